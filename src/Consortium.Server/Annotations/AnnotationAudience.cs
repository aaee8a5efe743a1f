using Consortium.Client;
using Consortium.Server.LiveUpdates;

namespace Consortium.Server.Annotations;

/// <summary>Which live groups (<see cref="LiveGroups"/>) may hear of an annotation: its visibility, narrowed by who may see its record.</summary>
public static class AnnotationAudience
{
    /// <summary>The record's groups whose members may read <paramref name="annotation"/> (they all may see the record: joining checked it).</summary>
    public static List<string> OnRecord(Annotation annotation) => annotation.EntitledOutlets() switch
    {
        null => [LiveGroups.Record(annotation.RecordId)],
        [] => [LiveGroups.RecordForUser(annotation.RecordId, annotation.Author)],
        var outlets => outlets.Select(o => LiveGroups.RecordForOutlet(annotation.RecordId, o)).ToList(),
    };

    /// <summary>
    /// Every group entitled to <paramref name="annotation"/>: its record's, and its investigation's narrowed to the
    /// outlets that may see the record (<paramref name="datasetOutlets"/> and <paramref name="recordOutlets"/>, null
    /// meaning no narrowing) and may read the annotation.
    /// </summary>
    public static IReadOnlyList<string> EntitledTo(Annotation annotation, IReadOnlyList<string>? datasetOutlets, IReadOnlyList<string>? recordOutlets)
    {
        var mayRead = annotation.EntitledOutlets();
        IEnumerable<string>? outlets = mayRead;
        foreach (var narrowing in new[] { datasetOutlets, recordOutlets })
        {
            if (narrowing is not null)
            {
                outlets = outlets is null ? narrowing : outlets.Intersect(narrowing);
            }
        }
        if (mayRead is [])
        {
            var authorMaySee = (datasetOutlets?.Contains(annotation.OutletId) ?? true) && (recordOutlets?.Contains(annotation.OutletId) ?? true);
            return authorMaySee
                ? [LiveGroups.RecordForUser(annotation.RecordId, annotation.Author), LiveGroups.InvestigationForUser(annotation.InvestigationId, annotation.Author)]
                : [];
        }
        if (outlets is null)
        {
            return [LiveGroups.Record(annotation.RecordId), LiveGroups.Investigation(annotation.InvestigationId)];
        }
        // Narrowed by outlet even on the record's own groups: a connection that joined before a compartment or a
        // restriction narrowed the record (and was not closed yet) gets nothing it may no longer read.
        var entitled = outlets.Distinct().ToList();
        return [.. entitled.Select(o => LiveGroups.RecordForOutlet(annotation.RecordId, o)), .. entitled.Select(o => LiveGroups.InvestigationForOutlet(annotation.InvestigationId, o))];
    }
}
