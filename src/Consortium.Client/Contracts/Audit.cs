namespace Consortium.Client;

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

    /// <summary>A page of an investigation's Web Annotation container was read; the detail holds the page and its item count.</summary>
    public const string AnnotationsRead = "annotations.read";

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
