using System.Text.Json.Serialization;

namespace Consortium.Client;

/// <summary>Who may read an annotation.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<Visibility>))]
public enum Visibility
{
    /// <summary>Everyone who may see the record.</summary>
    [JsonStringEnumMemberName("consortium")] Consortium,

    /// <summary>The author's own outlet only.</summary>
    [JsonStringEnumMemberName("outlet")] Outlet,

    /// <summary>The author only.</summary>
    [JsonStringEnumMemberName("private")] Private,

    /// <summary>The author's outlet and the partner outlets named on the annotation.</summary>
    [JsonStringEnumMemberName("partners")] Partners,
}

/// <summary>The signed-in caller.</summary>
public sealed record Me(string User, string DisplayName, string OutletId, string OutletName, bool OutletAdmin = false);

/// <summary>A consortium project, as a member outlet sees it.</summary>
public sealed record InvestigationView(Guid Id, string Name, string Description, string CoordinatorOutletId, IReadOnlyList<string> MemberOutletIds, int DatasetCount, InvestigationRole? MyRole = null);

/// <summary>Request to open a new investigation; the caller's outlet coordinates it.</summary>
public sealed record NewInvestigation(string Name, string Description, IReadOnlyList<string> MemberOutletIds);

/// <summary>A body of leaked material. <see cref="SharedWithOutletIds"/> null means every member outlet.</summary>
public sealed record DatasetView(Guid Id, Guid InvestigationId, string Name, string Description, long RecordCount, IReadOnlyList<string> Columns, IReadOnlyList<string>? SharedWithOutletIds, IReadOnlyList<DatasetColumn>? Schema = null);

/// <summary>Request to add a dataset to an investigation, optionally restricted to a compartment of member outlets.</summary>
public sealed record NewDataset(string Name, string Description, IReadOnlyList<string>? SharedWithOutletIds = null, IReadOnlyList<DatasetColumn>? Schema = null);

/// <summary>
/// A declared column of a dataset and its <see cref="ColumnKinds">kind</see>, which says how it is normalised (phone
/// numbers to E.164, countries to ISO codes, the first date column to the record's date); originals are always kept.
/// </summary>
public sealed record DatasetColumn(string Name, string Kind);

/// <summary>Kinds of dataset columns.</summary>
public static class ColumnKinds
{
    /// <summary>A phone number: normalised to E.164 (the first such column), searchable by any run of digits.</summary>
    public const string Phone = "phone";

    /// <summary>A person's name: searched as text.</summary>
    public const string Person = "person";

    /// <summary>An organisation's name: searched as text.</summary>
    public const string Organisation = "organisation";

    /// <summary>A country, as a code or an English name: normalised to ISO 3166 alpha-2 (the record's country).</summary>
    public const string Country = "country";

    /// <summary>A date: the first such column, read as a date, becomes the record's date (yyyy-MM-dd).</summary>
    public const string Date = "date";

    /// <summary>Other text: searched as text.</summary>
    public const string Text = "text";

    /// <summary>Kept as it is (still searched as text).</summary>
    public const string Free = "free";

    /// <summary>Every kind.</summary>
    public static readonly IReadOnlyList<string> All = [Phone, Person, Organisation, Country, Date, Text, Free];
}

/// <summary>One row of a dataset: the values as imported and, where a phone column exists, the number in E.164; <see cref="Date"/> is the record's date (yyyy-MM-dd) when the dataset has a date column.</summary>
public sealed record RecordView(Guid Id, Guid DatasetId, long RowNumber, IReadOnlyDictionary<string, string> Values, string? PhoneE164, string? Country, string? Date = null);

/// <summary>Someone of the caller's own outlet who read a record recently; <see cref="LastViewedAt"/> is UTC.</summary>
public sealed record RecentViewerView(string UserId, string DisplayName, DateTimeOffset LastViewedAt);

/// <summary>A page of records; pass <see cref="Next"/> as <c>after</c> to get the next one (null at the end).</summary>
public sealed record RecordPage(IReadOnlyList<RecordView> Items, long? Next);

/// <summary>
/// A page of search results in the order asked for. <see cref="Total"/> is the number of matches of the whole search
/// and <see cref="Facets"/> the counts beside it; both are left out (null) when the request said <c>facets=false</c>,
/// as a client paging on through the same search does. Pass <see cref="Next"/>, an opaque cursor, as <c>after</c> to
/// get the next page with the same parameters (null at the end). <see cref="TotalIsLowerBound"/>: the search matches at
/// least <see cref="Total"/> records, possibly more (counting stops at a threshold, so a search matching a large part of
/// a dataset answers as fast as a narrow one); show it as "more than" or "at least", never as the exact number.
/// </summary>
public sealed record SearchPage(IReadOnlyList<SearchResult> Items, long? Total, string? Next, SearchFacets? Facets, bool TotalIsLowerBound = false)
{
    /// <summary>Matches per country (empty when facets were not asked for).</summary>
    [JsonIgnore]
    public IReadOnlyList<FacetCount> Countries => Facets?.Countries ?? [];
}

/// <summary>
/// Counts of matching records per value. Each facet counts the search without its own filter (so the other values
/// stay selectable) and with every other filter; records and annotations the caller may not see are never counted.
/// <see cref="Countries"/>: a null value counts records without a country. <see cref="Datasets"/>: dataset ids.
/// <see cref="VerificationStates"/>: each record's latest visible verdict; null counts records without one.
/// <see cref="Tags"/>: records with a visible annotation carrying the tag. <see cref="Annotated"/>: "yes" and "no".
/// </summary>
public sealed record SearchFacets(
    IReadOnlyList<FacetCount> Countries,
    IReadOnlyList<FacetCount> Datasets,
    IReadOnlyList<FacetCount> VerificationStates,
    IReadOnlyList<FacetCount> Tags,
    IReadOnlyList<FacetCount> Annotated);

/// <summary>
/// What a search asks for; every field is optional. <see cref="Q"/>: full text (websearch syntax: words, "a phrase",
/// -not, or); <see cref="Phone"/>: any run of a number's digits; <see cref="Country"/>: ISO 3166 code;
/// <see cref="Dataset"/>: one dataset (investigation-wide search only); <see cref="Verification"/>,
/// <see cref="Tag"/>, <see cref="Annotated"/>: from the annotations the caller can see; <see cref="From"/> and
/// <see cref="To"/>: the record's date, inclusive, yyyy-MM-dd; <see cref="Sort"/>: row (default), date or country;
/// <see cref="Descending"/>: reverse order.
/// </summary>
public sealed record SearchQuery(
    string? Q = null,
    string? Phone = null,
    string? Country = null,
    Guid? Dataset = null,
    string? Verification = null,
    string? Tag = null,
    bool? Annotated = null,
    DateOnly? From = null,
    DateOnly? To = null,
    string? Sort = null,
    bool Descending = false);

/// <summary>A record that matched, and why: each highlight is a value (a column, or "phone" for the normalised number) with the matched parts.</summary>
public sealed record SearchResult(RecordView Record, IReadOnlyList<SearchHighlight> Highlights);

/// <summary>
/// Plain text (a value, or a fragment of a long one) from <see cref="Field"/>, with the spans that matched; render it
/// as text and mark the spans, never as HTML.
/// </summary>
public sealed record SearchHighlight(string Field, string Text, IReadOnlyList<HighlightSpan> Matches);

/// <summary>A matched part of a highlight's text: <see cref="Start"/> and <see cref="Length"/> in UTF-16 code units.</summary>
public sealed record HighlightSpan(int Start, int Length);

/// <summary>
/// How many matching records have this value; a null <see cref="Value"/> counts records without one. With
/// <see cref="AtLeast"/>, the count is a lower bound: counting stopped at the search's threshold (see
/// <see cref="SearchPage.TotalIsLowerBound"/>), and at least this many records have the value.
/// </summary>
public sealed record FacetCount(string? Value, long Count, bool AtLeast = false);

/// <summary>
/// The outcome of an import: rows stored, rows rejected and why, and <see cref="Duplicates"/>: rows skipped because the
/// dataset already held the same content (an earlier import of the same file, or a row repeated in this one).
/// </summary>
public sealed record ImportResult(int Imported, int Rejected, IReadOnlyList<ImportError> Errors, int Duplicates = 0);

/// <summary>A row that could not be imported. <see cref="Row"/> counts data rows from 1, the header excluded.</summary>
public sealed record ImportError(long Row, string? Column, string Reason);

/// <summary>States of an import job; see <see cref="ImportJobView"/>.</summary>
public static class ImportStates
{
    /// <summary>The file is stored on the server and waits for its turn.</summary>
    public const string Queued = "queued";

    /// <summary>Rows are being written, batch by batch.</summary>
    public const string Running = "running";

    /// <summary>Stopped on request after a whole batch; resume continues after the last committed row.</summary>
    public const string Cancelled = "cancelled";

    /// <summary>Stopped by an error after the last committed batch; resume retries from there.</summary>
    public const string Failed = "failed";

    /// <summary>Every row of the file was read.</summary>
    public const string Completed = "completed";
}

/// <summary>
/// An import of one uploaded file into a dataset, run by the server batch by batch. <see cref="RowsRead"/> is the last
/// source row committed (the checkpoint a resumed or restarted import continues from); <see cref="BytesRead"/> of
/// <see cref="TotalBytes"/> measures progress (0 for XLSX, which is not read front to back). <see cref="Errors"/> is
/// the error report (the first 1,000 rejected rows with their column and reason).
/// </summary>
public sealed record ImportJobView(
    Guid Id,
    Guid DatasetId,
    string State,
    string MediaType,
    long TotalBytes,
    long BytesRead,
    long RowsRead,
    int Imported,
    int Duplicates,
    int Rejected,
    IReadOnlyList<ImportError> Errors,
    string? Failure,
    string StartedBy,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    /// <summary>True once the job will not move again unless resumed.</summary>
    public bool IsFinished => State is ImportStates.Completed or ImportStates.Cancelled or ImportStates.Failed;

    /// <summary>The outcome in the form a synchronous import returned it.</summary>
    public ImportResult ToResult() => new(Imported, Rejected, Errors, Duplicates);
}

/// <summary>Progress of an import job, pushed to the dataset's live group after every committed batch and state change.</summary>
public sealed record ImportProgressView(
    Guid JobId,
    Guid DatasetId,
    string State,
    long TotalBytes,
    long BytesRead,
    long RowsRead,
    int Imported,
    int Duplicates,
    int Rejected,
    string? Failure);

/// <summary>
/// An annotation on a record. <see cref="Sequence"/> is the event store's global sequence number of its latest change;
/// <see cref="Version"/> is the version of its event stream (the HTTP <c>ETag</c>, to send back as <c>If-Match</c>).
/// <see cref="Kind"/> is one of <see cref="AnnotationKinds"/>. Retracted annotations stay, marked <see cref="Retracted"/>.
/// </summary>
public sealed record AnnotationView(
    Guid Id,
    Guid RecordId,
    string Kind,
    string Text,
    Visibility Visibility,
    string Author,
    string AuthorName,
    string OutletId,
    DateTimeOffset CreatedAt,
    long Sequence,
    // Not optional: OpenAPI's schema export cannot write a default(Guid) parameter value.
    Guid InvestigationId,
    Guid DatasetId,
    long Version = 1,
    DateTimeOffset? UpdatedAt = null,
    IReadOnlyList<string>? SharedWithOutletIds = null,
    string? Tag = null,
    IdentificationView? Identification = null,
    VerificationView? Verification = null,
    Guid? ParentId = null,
    IReadOnlyList<string>? Mentions = null,
    string? AssigneeUserId = null,
    bool Resolved = false,
    bool Retracted = false);

/// <summary>The values of <see cref="AnnotationView.Kind"/>.</summary>
public static class AnnotationKinds
{
    /// <summary>Markdown text; render it with raw HTML disabled and no remote images.</summary>
    public const string Note = "note";

    /// <summary>A short label (<see cref="AnnotationView.Tag"/>).</summary>
    public const string Tag = "tag";

    /// <summary>Who is behind the record (<see cref="AnnotationView.Identification"/>).</summary>
    public const string Identification = "identification";

    /// <summary>A forensic verification, moved through <see cref="VerificationStates"/> (<see cref="AnnotationView.Verification"/>).</summary>
    public const string Verification = "verification";

    /// <summary>A comment in the thread of another annotation (<see cref="AnnotationView.ParentId"/>); it has that annotation's visibility.</summary>
    public const string Comment = "comment";

    /// <summary>Every value, in order.</summary>
    public static readonly IReadOnlyList<string> All = [Note, Tag, Identification, Verification, Comment];
}

/// <summary>Who is behind a record. <see cref="Confidence"/> is <c>low</c>, <c>medium</c> or <c>high</c>.</summary>
public sealed record IdentificationView(string Person, string? Role, string IdentifiedByOutletId, string Confidence, IReadOnlyList<string> Sources);

/// <summary>The state of a verification and who moved it there with what.</summary>
public sealed record VerificationView(
    string State,
    string? AnalystUserId = null,
    string? Tool = null,
    string? IndicatorSetVersion = null,
    IReadOnlyList<EvidenceView>? Evidence = null);

/// <summary>
/// A piece of evidence: a file's name, SHA-256, size and a description. <see cref="Stored"/> (set by the server, never by
/// the client) says the investigation holds the file itself, downloadable through the verification that cites it;
/// otherwise the file is kept outside the platform and this is its fingerprint.
/// </summary>
public sealed record EvidenceView(string Name, string Sha256, long Size, string? Description = null, bool Stored = false);

/// <summary>
/// An evidence file held by an investigation (<c>POST /api/investigations/{id}/evidence</c>): cite it in a verification
/// move by its <see cref="Sha256"/> and <see cref="Size"/>, and it becomes downloadable through that verification.
/// </summary>
public sealed record EvidenceFileView(string Sha256, long Size, DateTimeOffset UploadedAt);

/// <summary>
/// The verification state machine: unverified → identified → consent-obtained → forensics-submitted →
/// infected | attempted | inconclusive | no-evidence → peer-reviewed. Only analysts (and coordinators) move it past
/// consent-obtained.
/// </summary>
public static class VerificationStates
{
    /// <summary>The value <c>unverified</c>.</summary>
    public const string Unverified = "unverified";
    /// <summary>The value <c>identified</c>.</summary>
    public const string Identified = "identified";
    /// <summary>The value <c>consent-obtained</c>.</summary>
    public const string ConsentObtained = "consent-obtained";
    /// <summary>The value <c>forensics-submitted</c>.</summary>
    public const string ForensicsSubmitted = "forensics-submitted";
    /// <summary>The value <c>infected</c>.</summary>
    public const string Infected = "infected";
    /// <summary>The value <c>attempted</c>.</summary>
    public const string Attempted = "attempted";
    /// <summary>The value <c>inconclusive</c>.</summary>
    public const string Inconclusive = "inconclusive";
    /// <summary>The value <c>no-evidence</c>.</summary>
    public const string NoEvidence = "no-evidence";
    /// <summary>The value <c>peer-reviewed</c>.</summary>
    public const string PeerReviewed = "peer-reviewed";

    /// <summary>Every value, in order.</summary>
    public static readonly IReadOnlyList<string> All = [Unverified, Identified, ConsentObtained, ForensicsSubmitted, Infected, Attempted, Inconclusive, NoEvidence, PeerReviewed];

    /// <summary>The states reachable in one step from <paramref name="state"/>.</summary>
    public static IReadOnlyList<string> Next(string state) => state switch
    {
        Unverified => [Identified],
        Identified => [ConsentObtained],
        ConsentObtained => [ForensicsSubmitted],
        ForensicsSubmitted => [Infected, Attempted, Inconclusive, NoEvidence],
        Infected or Attempted or Inconclusive or NoEvidence => [PeerReviewed],
        _ => [],
    };
}

/// <summary>Request to add a note to a record. <see cref="SharedWithOutletIds"/> names the partner outlets when visibility is <c>partners</c>.</summary>
public sealed record NewNote(string Text, Visibility Visibility = Visibility.Consortium, IReadOnlyList<string>? SharedWithOutletIds = null);

/// <summary>
/// Request to add an annotation of any kind to a record (same route as <see cref="NewNote"/>; <see cref="Kind"/>
/// defaults to note). A comment names its thread's annotation in <see cref="ParentId"/> and takes its visibility.
/// @mentions are read from the text (<c>@userId</c> of a member).
/// </summary>
public sealed record NewAnnotation(
    string Kind = AnnotationKinds.Note,
    string? Text = null,
    Visibility Visibility = Visibility.Consortium,
    IReadOnlyList<string>? SharedWithOutletIds = null,
    string? Tag = null,
    IdentificationView? Identification = null,
    Guid? ParentId = null);

/// <summary>An edit (send with <c>If-Match</c>): the fields given replace the current ones; visibility is fixed at creation.</summary>
public sealed record AnnotationChange(string? Text = null, string? Tag = null, IdentificationView? Identification = null);

/// <summary>Moves a verification to <see cref="State"/>, one of <see cref="VerificationStates.Next"/> of the current state.</summary>
public sealed record VerificationChange(string State, string? Tool = null, string? IndicatorSetVersion = null, IReadOnlyList<EvidenceView>? Evidence = null, string? Comment = null);

/// <summary>Assigns an annotation (a thread, a verification) to a member, or unassigns it with null.</summary>
public sealed record AssignmentChange(string? AssigneeUserId);

/// <summary>Resolves (or reopens) a thread.</summary>
public sealed record ResolutionChange(bool Resolved);

/// <summary>Retracts an annotation. It stays in the history, marked retracted, with the reason.</summary>
public sealed record Retraction(string? Reason = null);

/// <summary>One event of an annotation's history, oldest first. <see cref="Change"/> is the event's name (e.g. <c>text-edited</c>).</summary>
public sealed record AnnotationHistoryEntry(long Version, long Sequence, string Change, string By, string ByName, DateTimeOffset At, AnnotationView State);

/// <summary>
/// A page of the changes feed of an investigation: every change to an annotation the caller may read, in commit order.
/// Store <see cref="Cursor"/> and pass it as <c>after</c> next time; an empty page means the caller is current.
/// <see cref="HasMore"/> says another page is ready now.
/// </summary>
public sealed record ChangesPage(IReadOnlyList<ChangeEntry> Items, string Cursor, bool HasMore);

/// <summary>One change: the annotation as it stood after the event with global sequence number <see cref="Sequence"/>.</summary>
public sealed record ChangeEntry(string Cursor, long Sequence, string Change, AnnotationView Annotation);

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

/// <summary>
/// An inbox entry: a mention, a reply, an assignment or a verification change on a followed record.
/// <see cref="Sequence"/> is the global sequence number of the change that caused it on a live push, 0 in listings.
/// </summary>
public sealed record NotificationView(Guid Id, string Reason, Guid AnnotationId, Guid RecordId, Guid InvestigationId, string ByName, string Summary, DateTimeOffset At, bool Read, long Sequence);

/// <summary>The values of <see cref="NotificationView.Reason"/>.</summary>
public static class NotificationReasons
{
    /// <summary>The value <c>mention</c>.</summary>
    public const string Mention = "mention";
    /// <summary>The value <c>reply</c>.</summary>
    public const string Reply = "reply";
    /// <summary>The value <c>assignment</c>.</summary>
    public const string Assignment = "assignment";
    /// <summary>The value <c>verification</c>.</summary>
    public const string Verification = "verification";
}

/// <summary>Whether the caller follows a record (<c>GET /api/records/{id}/follow</c>).</summary>
public sealed record FollowState(bool Following);

/// <summary>The caller's notification preference: a daily digest instead of (or besides) the live inbox.</summary>
public sealed record DigestPreference(bool DailyDigest, int HourUtc = 7);

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

    /// <summary>
    /// A story, wave or publication notice changed that the person may see (sent to each entitled person's connections,
    /// with times in their zones; see <see cref="PublicationHub.PublicationChanged"/>). The publication changes feed is the guarantee.
    /// </summary>
    Task PublicationChanged(PublicationPush push);
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

/// <summary>An account of the caller's outlet, as its administrators see it.</summary>
public sealed record AccountView(string Id, string Email, string DisplayName, bool OutletAdmin, bool TwoFactorEnabled, bool Disabled, bool LockedOut);

/// <summary>Request to invite a colleague: an account is created and a one-time link lets them choose a password.</summary>
public sealed record NewAccount(string Email, string DisplayName, bool OutletAdmin = false);

/// <summary>A new account and its one-time invitation link (shown once; it stops working when used).</summary>
public sealed record Invitation(AccountView Account, string InvitationUrl);

/// <summary>A partner's sync client: a program of the outlet that signs in with client credentials.</summary>
public sealed record SyncClientView(string ClientId, string DisplayName);

/// <summary>Request to register a sync client for the caller's outlet.</summary>
public sealed record NewSyncClient(string DisplayName);

/// <summary>A new sync client's credentials. The secret is shown once and stored only as a hash.</summary>
public sealed record SyncClientCredentials(string ClientId, string ClientSecret, string DisplayName);

/// <summary>What a member may do in an investigation.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<InvestigationRole>))]
public enum InvestigationRole
{
    /// <summary>Runs the investigation: members, compartments, restrictions, audit; and everything an editor does.</summary>
    [JsonStringEnumMemberName("coordinator")] Coordinator,

    /// <summary>Creates datasets and imports records; annotates.</summary>
    [JsonStringEnumMemberName("editor")] Editor,

    /// <summary>Reads and annotates.</summary>
    [JsonStringEnumMemberName("reporter")] Reporter,

    /// <summary>Forensic analyst: reads and annotates (verifications).</summary>
    [JsonStringEnumMemberName("analyst")] Analyst,

    /// <summary>Reads only.</summary>
    [JsonStringEnumMemberName("read-only")] ReadOnly,
}

/// <summary>A person's membership of an investigation. <see cref="ExpiresAt"/> ends it by itself.</summary>
public sealed record MemberView(string UserId, string DisplayName, string OutletId, InvestigationRole Role, DateTimeOffset AddedAt, DateTimeOffset? ExpiresAt);

/// <summary>Request to add a person (by their account's email) to an investigation, optionally until a given time.</summary>
public sealed record NewMember(string Email, InvestigationRole Role, DateTimeOffset? ExpiresAt = null);

/// <summary>Request to change a member's role or expiry.</summary>
public sealed record MemberChange(InvestigationRole Role, DateTimeOffset? ExpiresAt = null);

/// <summary>Which member outlets may see a dataset (null: all of them) or a single record (null: no restriction beyond its dataset's).</summary>
public sealed record OutletRestriction(IReadOnlyList<string>? OutletIds);

/// <summary>
/// One entry of the append-only audit log: who did what, to what, when, from where, chained to the entry before it.
/// <see cref="Index"/> numbers every entry of the whole log in the order the actions started (entries of other
/// investigations sit in between, and a rolled-back action leaves a gap). <see cref="Position"/> is the entry's place in
/// the hash chain, contiguous from 1, set with <see cref="PreviousHash"/> and <see cref="Hash"/> when the entry is sealed
/// (milliseconds after it was written; all three are null until then). <see cref="Hash"/> is computed by
/// <see cref="AuditChain.ComputeHash"/>; <see cref="At"/> is UTC.
/// </summary>
public sealed record AuditEntryView(
    long Index,
    DateTimeOffset At,
    string Action,
    string ActorUserId,
    string ActorDisplayName,
    string? ActorOutletId,
    Guid? InvestigationId,
    string? TargetType,
    string? TargetId,
    string? Detail,
    string Client,
    string? IpAddress,
    string? UserAgent,
    string? PreviousHash,
    string? Hash,
    long? Position = null);

/// <summary>A page of audit entries, newest first; pass <see cref="Next"/> as <c>after</c> to get older ones (null at the end).</summary>
public sealed record AuditPage(IReadOnlyList<AuditEntryView> Items, long? Next);

/// <summary>What an audit entry records (<see cref="AuditEntryView.Action"/>); also the values of the audit listing's <c>action</c> filter.</summary>
public static class AuditActions
{
    /// <summary>A record was opened.</summary>
    public const string RecordRead = "record.read";

    /// <summary>A page of a dataset's records was listed.</summary>
    public const string RecordsListed = "records.listed";

    /// <summary>A dataset's records were searched; the detail holds the query.</summary>
    public const string RecordsSearched = "records.searched";

    /// <summary>A file was imported into a dataset; the detail holds the imported and rejected counts.</summary>
    public const string RecordsImported = "records.imported";

    /// <summary>A file was uploaded for import and its job queued; the detail holds the job and the file's size.</summary>
    public const string ImportStarted = "import.started";

    /// <summary>Someone asked a running import to stop.</summary>
    public const string ImportCancelled = "import.cancelled";

    /// <summary>Someone resumed a cancelled or failed import.</summary>
    public const string ImportResumed = "import.resumed";

    /// <summary>An import stopped on an error; the detail holds the counts so far and the reason.</summary>
    public const string ImportFailed = "import.failed";

    /// <summary>An annotation was added to a record.</summary>
    public const string AnnotationAdded = "annotation.added";

    /// <summary>An annotation was edited, moved (verification, assignment, resolution) or retracted; the detail names the change.</summary>
    public const string AnnotationChanged = "annotation.changed";

    /// <summary>An evidence file was uploaded into an investigation; the detail holds its size and the start of its SHA-256.</summary>
    public const string EvidenceUploaded = "evidence.uploaded";

    /// <summary>An evidence file cited by a verification was downloaded.</summary>
    public const string EvidenceDownloaded = "evidence.downloaded";

    /// <summary>An investigation's changes feed was read; the detail holds the cursor.</summary>
    public const string ChangesRead = "changes.read";

    /// <summary>An investigation was opened.</summary>
    public const string InvestigationCreated = "investigation.created";

    /// <summary>A dataset was added to an investigation.</summary>
    public const string DatasetCreated = "dataset.created";

    /// <summary>Someone signed in.</summary>
    public const string SignInSucceeded = "signin.succeeded";

    /// <summary>A sign-in was refused; the actor is whoever the attempt claimed to be.</summary>
    public const string SignInFailed = "signin.failed";

    /// <summary>A passkey was added to an account; the detail holds its name.</summary>
    public const string PasskeyAdded = "passkey.added";

    /// <summary>A passkey was removed from an account; the detail holds its name.</summary>
    public const string PasskeyRemoved = "passkey.removed";

    /// <summary>Access was granted.</summary>
    public const string GrantAdded = "grant.added";

    /// <summary>Access was revoked.</summary>
    public const string GrantRevoked = "grant.revoked";

    /// <summary>A member outlet or person was removed from an investigation.</summary>
    public const string MemberRemoved = "member.removed";

    /// <summary>Data left the platform in bulk.</summary>
    public const string Export = "export";
}
