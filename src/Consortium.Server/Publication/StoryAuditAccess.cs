using Consortium.Server.Audit;
using Consortium.Server.Identity;
using Marten;

namespace Consortium.Server.Publication;

/// <summary>
/// The audit log's view of story entries follows the story's read rule (<see cref="PublicationAccess.StoryAsync"/>):
/// a coordinator whose outlet does not take part in a story sees that something was done to a story, by whom and when,
/// not which story nor its outlets, letters or breaches.
/// </summary>
public sealed class StoryAuditAccess(IQuerySession session) : IAuditTargetAccess
{
    public string TargetType => "story";

    public async Task<IReadOnlySet<string>> VisibleAsync(ConsortiumUser reader, IReadOnlyCollection<string> targetIds, CancellationToken cancellationToken)
    {
        var ids = targetIds.Select(id => Guid.TryParse(id, out var parsed) ? parsed : (Guid?)null).OfType<Guid>().Distinct().ToArray();
        if (ids.Length == 0)
        {
            return new HashSet<string>();
        }
        var stories = await session.LoadManyAsync<PublicationStory>(cancellationToken, ids);
        return stories.Where(s => s.HasParticipant(reader.OutletId)).Select(s => s.Id.ToString()).ToHashSet(StringComparer.Ordinal);
    }
}
