using System.Text.Json;

namespace Consortium.Client;

/// <summary>
/// One entry of the feed of every change (<c>GET /api/changes</c>): an object as it stood after one change, in one
/// total commit order across every type. Entries about something the caller can no longer see are left out.
/// </summary>
/// <param name="Cursor">Opaque position of this entry; pass it back as <c>after</c> (or <c>Last-Event-ID</c>) to resume just after it.</param>
/// <param name="Type">What changed: one of <see cref="ChangeFeedTypes"/>.</param>
/// <param name="ObjectId">The changed object's id (a record's id for <c>restriction</c>, the investigation's id for <c>membership</c>).</param>
/// <param name="Version">The object's version after the change; a mirror keeps the highest it has seen.</param>
/// <param name="Change">What happened to it, e.g. <c>added</c>, <c>changed</c>, <c>retracted</c>, <c>created</c>, <c>shared</c>, <c>completed</c>, <c>restricted</c>, <c>released</c>.</param>
/// <param name="InvestigationId">The investigation the object belongs to.</param>
/// <param name="Object">The object as it stood, in the shape its REST endpoint answers with (see <see cref="ChangeFeedTypes"/>).</param>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1720", Justification = "The wire name partners read: the object as it stood.")]
public sealed record ChangeFeedEntry(string Cursor, string Type, string ObjectId, long Version, string Change, Guid? InvestigationId, JsonElement Object);

/// <summary>
/// A page of the feed of every change. Store <see cref="Cursor"/> and pass it as <c>after</c> next time; an empty
/// page means the caller is current. <see cref="HasMore"/> says another page is ready now.
/// </summary>
/// <param name="Items">The entries, oldest first.</param>
/// <param name="Cursor">The position after the last entry (the request's own cursor when the page is empty).</param>
/// <param name="HasMore">True when more entries are ready now.</param>
public sealed record ChangeFeedPage(IReadOnlyList<ChangeFeedEntry> Items, string Cursor, bool HasMore);

/// <summary>The types of <see cref="ChangeFeedEntry.Type"/> and the shape of each one's <see cref="ChangeFeedEntry.Object"/>.</summary>
public static class ChangeFeedTypes
{
    /// <summary>An annotation (note, tag, identification, verification, comment): object <see cref="AnnotationView"/>; changes <c>added</c>, <c>changed</c>, <c>retracted</c>.</summary>
    public const string Annotation = "annotation";

    /// <summary>A dataset created or shared with other outlets (its compartment): object <see cref="DatasetView"/>; changes <c>created</c>, <c>shared</c>.</summary>
    public const string Dataset = "dataset";

    /// <summary>An import job that completed, one entry per job: object <see cref="ImportFeedView"/>; change <c>completed</c>.</summary>
    public const string Import = "import";

    /// <summary>A record restricted to named outlets (among them the caller's) or released: object <see cref="RestrictionFeedView"/>; changes <c>restricted</c>, <c>released</c>.</summary>
    public const string Restriction = "restriction";

    /// <summary>The caller's outlet's membership of an investigation and its people there: object <see cref="MembershipFeedView"/>; change <c>changed</c>.</summary>
    public const string Membership = "membership";

    /// <summary>A story the caller's outlet takes part in: object <see cref="StoryView"/>; changes <c>planned</c>, <c>changed</c>, <c>breach-reported</c>.</summary>
    public const string Story = "story";

    /// <summary>A wave's embargo (visible when the caller's outlet takes part in one of its stories): object <see cref="WaveView"/>; change is the embargo event, e.g. <c>moved</c>, <c>acknowledged</c>, <c>lifted</c>.</summary>
    public const string Embargo = "embargo";

    /// <summary>A sign-off given or withdrawn on a story: object <see cref="StoryView"/>; changes <c>given</c>, <c>withdrawn</c>.</summary>
    public const string SignOff = "signoff";

    /// <summary>A right-of-reply letter sent or answered on a story: object <see cref="StoryView"/>; changes <c>sent</c>, <c>answered</c>.</summary>
    public const string Letter = "letter";

    /// <summary>Every type, in the order above.</summary>
    public static readonly IReadOnlyList<string> All = [Annotation, Dataset, Import, Restriction, Membership, Story, Embargo, SignOff, Letter];
}

/// <summary>An import job that completed: its counts and the dataset rows it added (<see cref="FirstRow"/> to <see cref="LastRow"/>, none when nothing was imported).</summary>
/// <param name="Job">The job as <c>GET /api/imports/{id}</c> answers.</param>
/// <param name="FirstRow">Row number of the first record the job added, or null.</param>
/// <param name="LastRow">Row number of the last record the job added, or null.</param>
public sealed record ImportFeedView(ImportJobView Job, long? FirstRow, long? LastRow);

/// <summary>A record's restriction after a change: <see cref="OutletIds"/> null when it was released to every outlet that sees its dataset.</summary>
/// <param name="RecordId">The record.</param>
/// <param name="DatasetId">Its dataset.</param>
/// <param name="OutletIds">The outlets that see it, or null when released.</param>
public sealed record RestrictionFeedView(Guid RecordId, Guid DatasetId, IReadOnlyList<string>? OutletIds);

/// <summary>The caller's outlet in an investigation after a change of its members: whether it takes part, and its people's memberships.</summary>
/// <param name="InvestigationId">The investigation.</param>
/// <param name="OutletId">The caller's outlet.</param>
/// <param name="Member">Whether the outlet takes part.</param>
/// <param name="People">The outlet's people who are members, with their roles.</param>
public sealed record MembershipFeedView(Guid InvestigationId, string OutletId, bool Member, IReadOnlyList<MemberView> People);
