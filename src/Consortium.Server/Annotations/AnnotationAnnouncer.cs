using Consortium.Client;
using Consortium.Server.Access;
using Consortium.Server.LiveUpdates;
using Marten;

namespace Consortium.Server.Annotations;

/// <summary>
/// Announces committed annotation changes to LiveUpdates, each with the groups entitled to it (<see cref="AnnotationAudience"/>):
/// the record's groups (clients looking at it) and the investigation's (clients following all of it), narrowed by the
/// dataset's compartment and the record's restriction. Whatever is pending when it reads is handled as one batch, with
/// one round trip to the database for the batch.
/// </summary>
public sealed class AnnotationAnnouncer(AnnotationCommits commits, IDocumentStore store, ILiveAnnouncer live, ILogger<AnnotationAnnouncer> logger) : BackgroundService
{
    private const int BatchSize = 256;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<CommittedAnnotationChange>(BatchSize);
        while (await commits.Pending.WaitToReadAsync(stoppingToken))
        {
            batch.Clear();
            // No waiting to fill a batch: it holds what committed while the previous one was being handled.
            while (batch.Count < BatchSize && commits.Pending.TryRead(out var change))
            {
                batch.Add(change);
            }
            try
            {
                await AnnounceAsync(batch, stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Could not announce {Count} annotation changes (sequences {First}–{Last})", batch.Count, batch[0].Sequence, batch[^1].Sequence);
            }
        }
    }

    private async Task AnnounceAsync(List<CommittedAnnotationChange> batch, CancellationToken cancellationToken)
    {
        await using var session = store.QuerySession();
        var missing = batch.Where(p => p.State is null).Select(p => p.AnnotationId).Distinct().ToArray();
        var loaded = missing.Length == 0 ? [] : (await session.LoadManyAsync<Annotation>(cancellationToken, missing)).ToDictionary(a => a.Id);
        var changes = batch
            .Select(p => (p.Created, p.Sequence, State: p.State ?? loaded.GetValueOrDefault(p.AnnotationId)))
            .Where(p => p.State is not null)
            .ToList();
        if (changes.Count == 0)
        {
            return;
        }
        // Read now, not cached: a compartment or restriction changed a moment ago must already narrow this push. Both
        // in one round trip: at 200 notes a second batches hold a few notes each, so this is paid about once a note.
        var reads = session.CreateBatchQuery();
        var datasetsRead = reads.LoadMany<Dataset>().ById(changes.Select(s => s.State!.DatasetId).Distinct().ToArray());
        var restrictionsRead = reads.LoadMany<RecordRestriction>().ById(changes.Select(s => s.State!.RecordId).Distinct().ToArray());
        await reads.Execute(cancellationToken);
        var datasets = (await datasetsRead).ToDictionary(d => d.Id);
        var restrictions = (await restrictionsRead).ToDictionary(r => r.Id);
        live.Announce(changes
            .Select(c => new AnnotationAnnouncement(
                new AnnotationPush(c.Created, c.State!.ToView()),
                c.Sequence,
                AnnotationAudience.EntitledTo(c.State!, datasets.GetValueOrDefault(c.State!.DatasetId)?.SharedWithOutletIds, restrictions.GetValueOrDefault(c.State!.RecordId)?.OutletIds)))
            .ToList());
    }
}
