namespace Consortium.Server.Audit;

/// <summary>What an entry's target names; free text in the chain, fixed here so entries read alike.</summary>
public static class AuditTargets
{
    public const string Investigation = "investigation";
    public const string Dataset = "dataset";
    public const string Record = "record";
    public const string Annotation = "annotation";
    public const string User = "user";
}
