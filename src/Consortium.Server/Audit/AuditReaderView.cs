using Consortium.Server.Access;
using Consortium.Client;
using Consortium.Server.Annotations;
using Consortium.Server.Identity;
using Consortium.Server.Records;
using Marten;

namespace Consortium.Server.Audit;

/// <summary>
/// What a coordinator may see of audit entries (docs/security.md, "The coordinator's view of the audit log"): every
/// entry of the investigation, but never more of one than the reader may see elsewhere. An entry about an annotation
/// the reader may not read keeps its kind and visibility only; another outlet's reads, searches, exports and evidence
/// uploads keep who, when and from where, not what (terms, the record read, the file's hash).
/// </summary>
/// <remarks>
/// No entry is shown with its hashes: every hash in the chain is a function of every entry before it, withheld ones
/// included, and a withheld record id or phone number has few enough candidates to find again from the next hash. The
/// position stays (it says the entry is sealed); the chain is checked with <c>consortium audit verify</c> and anchors.
/// </remarks>
public static class AuditReaderView
{
    public const string WithheldTerms = "withheld: another outlet's terms";

    // Actions whose target or detail tells what another newsroom is interested in.
    private static readonly HashSet<string> InterestActions =
        [AuditActions.RecordRead, AuditActions.RecordsSearched, AuditActions.RecordsListed, AuditActions.Export, AuditActions.EvidenceUploaded];

    public static async Task<List<AuditEntryView>> ForReaderAsync(IReadOnlyList<AuditEntryView> entries, ConsortiumUser reader, IQuerySession session, CancellationToken cancellationToken)
    {
        var annotationIds = entries
            .Where(e => e.TargetType == AuditTargets.Annotation && Guid.TryParse(e.TargetId, out _))
            .Select(e => Guid.Parse(e.TargetId!)).Distinct().ToArray();
        var annotations = annotationIds.Length == 0
            ? new Dictionary<Guid, Annotation>()
            : (await session.LoadManyAsync<Annotation>(cancellationToken, annotationIds)).ToDictionary(a => a.Id);
        var datasets = annotations.Count == 0
            ? new Dictionary<Guid, Dataset>()
            : (await session.LoadManyAsync<Dataset>(cancellationToken, annotations.Values.Select(a => a.DatasetId).Distinct().ToArray())).ToDictionary(d => d.Id);
        var restrictions = annotations.Count == 0
            ? new Dictionary<Guid, RecordRestriction>()
            : (await session.LoadManyAsync<RecordRestriction>(cancellationToken, annotations.Values.Select(a => a.RecordId).Distinct().ToArray())).ToDictionary(r => r.Id);

        bool Readable(Annotation a) => a.IsVisibleTo(reader)
            && datasets.TryGetValue(a.DatasetId, out var dataset) && dataset.IsSharedWith(reader.OutletId)
            && (!restrictions.TryGetValue(a.RecordId, out var restriction) || restriction.OutletIds.Contains(reader.OutletId));

        var shown = new List<AuditEntryView>(entries.Count);
        foreach (var entry in entries)
        {
            if (entry.TargetType == AuditTargets.Annotation)
            {
                var annotation = Guid.TryParse(entry.TargetId, out var id) ? annotations.GetValueOrDefault(id) : null;
                if (annotation is null || !Readable(annotation))
                {
                    // The annotation's id stays (it names nothing); its kind and visibility are all that is said of it.
                    shown.Add(Withheld(entry, annotation is null ? null : $"{annotation.Kind}, visibility {annotation.Visibility.ToString().ToLowerInvariant()}"));
                    continue;
                }
            }
            if (entry.ActorOutletId != reader.OutletId && InterestActions.Contains(entry.Action))
            {
                shown.Add(Withheld(entry, WithheldTerms) with { TargetId = entry.TargetType == AuditTargets.Record ? null : entry.TargetId });
                continue;
            }
            shown.Add(WithoutHashes(entry));
        }
        return shown;
    }

    private static AuditEntryView WithoutHashes(AuditEntryView entry) => entry with { Hash = null, PreviousHash = null };

    private static AuditEntryView Withheld(AuditEntryView entry, string? detail) => WithoutHashes(entry) with { Detail = detail };
}
