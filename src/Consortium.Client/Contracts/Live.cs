namespace Consortium.Client;

/// <summary>Someone looking at a record right now, and from which outlet.</summary>
public sealed record PresenceEntry(string UserId, string DisplayName, string OutletId);

/// <summary>Everyone looking at a record right now, one entry per person: sent to a connection when it joins the record.</summary>
public sealed record PresenceView(Guid RecordId, IReadOnlyList<PresenceEntry> Viewers);

/// <summary>
/// One person began (<see cref="IConsortiumClient.ViewerArrived"/>) or stopped (<see cref="IConsortiumClient.ViewerLeft"/>)
/// looking at a record: sent to the others on it. Apply to the list received on joining, keyed by <see cref="UserId"/>.
/// </summary>
public sealed record PresenceChange(Guid RecordId, string UserId, string DisplayName, string OutletId)
{
    /// <summary>The change about <paramref name="who"/> on <paramref name="recordId"/>.</summary>
    public static PresenceChange Of(Guid recordId, PresenceEntry who) => new(recordId, who.UserId, who.DisplayName, who.OutletId);

    /// <summary>The person as an entry of <see cref="PresenceView.Viewers"/>.</summary>
    public PresenceEntry ToEntry() => new(UserId, DisplayName, OutletId);
}

/// <summary>
/// One item of <see cref="IConsortiumClient.AnnotationsPushed"/>: <see cref="Annotation"/> was created
/// (<see cref="Added"/>) or changed, and this is its state after the change, with its global sequence number.
/// </summary>
public sealed record AnnotationPush(bool Added, AnnotationView Annotation);

/// <summary>Someone is typing in the thread of <see cref="AnnotationId"/> on <see cref="RecordId"/>.</summary>
public sealed record TypingView(Guid RecordId, Guid AnnotationId, string UserId, string DisplayName, string OutletId);

/// <summary>Methods the server calls on connected clients of the hub at <c>/hubs/consortium</c>.</summary>
public interface IConsortiumClient
{
    /// <summary>
    /// Annotations the client may see were added or changed (edit, verification, assignment, resolution, retraction)
    /// on records whose group (or investigation) it joined: every change committed since the previous message that
    /// this connection is entitled to, each once, in ascending global sequence order (decision 0020). Each item carries
    /// the whole state, its stream version and the global sequence number; apply an item when its version is newer
    /// than the one held. Messages are not contiguous in sequence numbers: the changes feed is the guarantee.
    /// </summary>
    Task AnnotationsPushed(IReadOnlyList<AnnotationPush> pushes);

    /// <summary>
    /// Who is looking at a record, sent once to the connection that joined it (before <c>JoinRecord</c> completes);
    /// replace what is held. From then on only <see cref="ViewerArrived"/> and <see cref="ViewerLeft"/> follow, in order.
    /// </summary>
    Task PresenceChanged(PresenceView presence);

    /// <summary>Someone began looking at a record the client joined (their first connection on it).</summary>
    Task ViewerArrived(PresenceChange arrived);

    /// <summary>Someone stopped looking at a record the client joined (their last connection on it left or closed).</summary>
    Task ViewerLeft(PresenceChange left);

    /// <summary>Someone is typing in a thread of a record the client joined.</summary>
    Task Typing(TypingView typing);

    /// <summary>A new entry in the caller's inbox.</summary>
    Task NotificationReceived(NotificationView notification);

    /// <summary>An import into a dataset whose group the client joined moved on (a batch committed, or its state changed).</summary>
    Task ImportProgress(ImportProgressView progress);
}

/// <summary>Names of the hub methods a client may invoke.</summary>
public static class HubMethods
{
    /// <summary>Join the live group of a record (argument: record id). Fails as "not found" for records the caller may not see. Also marks the caller present.</summary>
    public const string JoinRecord = nameof(JoinRecord);

    /// <summary>Leave the live group of a record (argument: record id).</summary>
    public const string LeaveRecord = nameof(LeaveRecord);

    /// <summary>Receive every annotation change of an investigation the caller may read (argument: investigation id).</summary>
    public const string JoinInvestigationAnnotations = nameof(JoinInvestigationAnnotations);

    /// <summary>Stop receiving an investigation's annotation changes (argument: investigation id).</summary>
    public const string LeaveInvestigationAnnotations = nameof(LeaveInvestigationAnnotations);

    /// <summary>Tell the others looking at a record that the caller is typing in a thread (arguments: record id, annotation id).</summary>
    public const string StartTyping = nameof(StartTyping);

    /// <summary>Join the live group of a dataset, for import progress (argument: dataset id). Fails as "not found" for datasets the caller may not see.</summary>
    public const string JoinDataset = nameof(JoinDataset);

    /// <summary>Leave the live group of a dataset (argument: dataset id).</summary>
    public const string LeaveDataset = nameof(LeaveDataset);
}
