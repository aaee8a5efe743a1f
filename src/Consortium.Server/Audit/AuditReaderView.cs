using Consortium.Server.Access;
using Consortium.Client;
using Consortium.Server.Identity;
using Marten;

namespace Consortium.Server.Audit;

/// <summary>
/// What a coordinator may see of audit entries (docs/security.md, "The coordinator's view of the audit log"): every
/// entry of the investigation, but never more of one than the reader may see elsewhere. An entry about an annotation
/// the reader may not read keeps its kind and visibility only; another outlet's reads, searches, exports and evidence
/// uploads keep who, when and from where, not what (terms, the record read, the file's hash). An entry about a dataset
/// or record the reader's outlet may not open (compartment, restriction: the REST read's rule) keeps who, when and the
/// action, not the target or the detail (a dataset's name, a hidden record's id, sizes, counts, outlets).
/// </summary>
/// <remarks>
/// No entry is shown with its hashes: every hash in the chain is a function of every entry before it, withheld ones
/// included, and a withheld record id or phone number has few enough candidates to find again from the next hash. The
/// position stays (it says the entry is sealed); the chain is checked with <c>consortium audit verify</c> and anchors.
/// </remarks>
public static class AuditReaderView
{
    public const string WithheldTerms = "withheld: another outlet's terms";

    public const string WithheldOutsideAccess = "withheld: outside your outlet's access";

    // Actions whose target or detail tells what another newsroom is interested in.
    private static readonly HashSet<string> InterestActions =
        [AuditActions.RecordRead, AuditActions.RecordsSearched, AuditActions.RecordsListed, AuditActions.Export, AuditActions.EvidenceUploaded];

    public static async Task<List<AuditEntryView>> ForReaderAsync(IReadOnlyList<AuditEntryView> entries, ConsortiumUser reader, IQuerySession session,
        IEnumerable<IAuditTargetAccess> targetAccess, CancellationToken cancellationToken)
    {
        // Targets a feature area judges (a story only for its participating outlets): asked once per type for the page.
        var areaVisible = new Dictionary<string, IReadOnlySet<string>>(StringComparer.Ordinal);
        foreach (var judge in targetAccess)
        {
            var ids = entries.Where(e => e.TargetType == judge.TargetType && e.TargetId is not null).Select(e => e.TargetId!).Distinct(StringComparer.Ordinal).ToList();
            areaVisible[judge.TargetType] = ids.Count == 0 ? new HashSet<string>() : await judge.VisibleAsync(reader, ids, cancellationToken);
        }

        // Read as Access's projection of the stored annotations: Audit is a shared room and knows no feature area's types.
        var annotations = await StoredAnnotationAccess.LoadAsync(session, IdsOf(entries, AuditTargets.Annotation), cancellationToken);
        var recordIds = IdsOf(entries, AuditTargets.Record);
        var records = recordIds.Length == 0
            ? new Dictionary<Guid, LeakedRecord>()
            : (await session.LoadManyAsync<LeakedRecord>(cancellationToken, recordIds)).ToDictionary(r => r.Id);
        Guid[] datasetIds = [.. IdsOf(entries, AuditTargets.Dataset), .. annotations.Values.Select(a => a.DatasetId), .. records.Values.Select(r => r.DatasetId)];
        var datasets = datasetIds.Length == 0
            ? new Dictionary<Guid, Dataset>()
            : (await session.LoadManyAsync<Dataset>(cancellationToken, datasetIds.Distinct().ToArray())).ToDictionary(d => d.Id);
        Guid[] restrictedIds = [.. annotations.Values.Select(a => a.RecordId), .. recordIds];
        var restrictions = restrictedIds.Length == 0
            ? new Dictionary<Guid, RecordRestriction>()
            : (await session.LoadManyAsync<RecordRestriction>(cancellationToken, restrictedIds.Distinct().ToArray())).ToDictionary(r => r.Id);

        // The REST read's rule (AccessPolicy): the dataset's compartment, then the record's restriction.
        bool DatasetVisible(Guid datasetId) => datasets.TryGetValue(datasetId, out var dataset) && AccessPolicy.CanSee(reader, dataset);
        bool RecordVisible(Guid recordId, Guid datasetId) => DatasetVisible(datasetId)
            && (!restrictions.TryGetValue(recordId, out var restriction) || restriction.OutletIds.Contains(reader.OutletId));
        bool Readable(StoredAnnotationAccess a) => a.ToVisibility().Admits(reader) && RecordVisible(a.RecordId, a.DatasetId);

        var shown = new List<AuditEntryView>(entries.Count);
        foreach (var entry in entries)
        {
            var id = Guid.TryParse(entry.TargetId, out var parsed) ? parsed : (Guid?)null;
            if (entry.TargetType == AuditTargets.Annotation)
            {
                var annotation = id is { } annotationId ? annotations.GetValueOrDefault(annotationId) : null;
                if (annotation is null || !Readable(annotation))
                {
                    // The annotation's id stays (it names nothing); its kind and visibility are all that is said of it.
                    shown.Add(Withheld(entry, annotation is null ? null : $"{annotation.Kind}, visibility {annotation.Visibility.ToString().ToLowerInvariant()}"));
                    continue;
                }
            }
            // A dataset or record the reader may not open: who did something, when, and what kind of thing, not to what.
            var hidden = entry.TargetType switch
            {
                AuditTargets.Dataset => id is not { } datasetId || !DatasetVisible(datasetId),
                AuditTargets.Record => id is not { } recordId || !records.TryGetValue(recordId, out var record) || !RecordVisible(recordId, record.DatasetId),
                { } type when areaVisible.TryGetValue(type, out var visible) => entry.TargetId is null || !visible.Contains(entry.TargetId),
                _ => false,
            };
            if (hidden)
            {
                shown.Add(Withheld(entry, WithheldOutsideAccess) with { TargetId = null });
                continue;
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

    private static Guid[] IdsOf(IReadOnlyList<AuditEntryView> entries, string targetType) =>
        entries.Where(e => e.TargetType == targetType && Guid.TryParse(e.TargetId, out _)).Select(e => Guid.Parse(e.TargetId!)).Distinct().ToArray();

    private static AuditEntryView WithoutHashes(AuditEntryView entry) => entry with { Hash = null, PreviousHash = null };

    private static AuditEntryView Withheld(AuditEntryView entry, string? detail) => WithoutHashes(entry) with { Detail = detail };
}
