using Consortium.Server.Identity;

namespace Consortium.Server.Audit;

/// <summary>
/// A feature area's say on whether an audit reader may see the object an entry names, for target types the Audit room
/// cannot judge itself (it knows no feature area's types). The area that writes entries about its own objects registers
/// one, with the same rule as its REST read; an entry whose target the reader may not see keeps who, when and the
/// action, not the target or the detail (<see cref="AuditReaderView"/>).
/// </summary>
public interface IAuditTargetAccess
{
    /// <summary>The <c>TargetType</c> of the entries this judges, e.g. "story".</summary>
    string TargetType { get; }

    /// <summary>Of the given target ids, those the reader may see; unknown ids are not visible.</summary>
    Task<IReadOnlySet<string>> VisibleAsync(ConsortiumUser reader, IReadOnlyCollection<string> targetIds, CancellationToken cancellationToken);
}
