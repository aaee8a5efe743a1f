using Consortium.Client;
using Consortium.Server.Access;
using Consortium.Server.Annotations;
using Consortium.Server.Identity;
using Consortium.Server.LiveUpdates;
using Consortium.Server.Storage;
using Marten;
using Microsoft.AspNetCore.SignalR;

namespace Consortium.Server.Demo;

/// <summary>
/// A fictional colleague from another outlet who keeps working while a newcomer looks around: every few seconds one of
/// the demo reporters opens a record (presence), types in its thread, then adds a consortium note or moves a
/// verification, through <see cref="DemoWriter"/>, so the pushes, the changes feed, the inbox and the audit are the
/// real ones. Half the time it goes to a record a signed-in person is looking at, so they see it arrive.
/// </summary>
/// <remarks>
/// Demo only (decision 0030): registered only when <see cref="IsAllowed"/> holds, that is the demo seed is on, the
/// partner is not turned off, and no connection string is configured (the embedded database of a first start); and it
/// checks again at run time that the embedded database is the one in use. A real deployment always configures its
/// database, so no setting left on by mistake can make invented people write into real investigations.
/// </remarks>
internal sealed class DemoPartner(DemoSeed seed, IServiceProvider services, IDocumentStore store, Presence presence,
    IHubContext<ConsortiumHub, IConsortiumClient> hub, IConfiguration configuration, TimeProvider clock, ILogger<DemoPartner> logger) : BackgroundService
{
    public const string Setting = "Demo:Partner";
    public const string IntervalSetting = "Demo:PartnerIntervalSeconds";

    /// <summary>Whether this configuration may run the partner: the demo, not turned off, on the embedded database only.</summary>
    public static bool IsAllowed(IConfiguration configuration) =>
        configuration.GetValue<bool>("Demo:Seed")
        && configuration.GetValue(Setting, true)
        && string.IsNullOrWhiteSpace(configuration.GetConnectionString(StorageRegistration.ConnectionStringName));

    private readonly Random random = new();
    // Who has been greeted on which record: a newcomer who opens a record gets a colleague's note there on the next turn.
    private readonly HashSet<(Guid RecordId, string UserId)> greeted = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!IsAllowed(configuration) || services.GetService<EmbeddedPostgres>() is null)
        {
            logger.LogWarning("The demo partner runs only on the demo's embedded database; it stays off.");
            return;
        }
        await seed.Seeded.WaitAsync(stoppingToken);
        var interval = TimeSpan.FromSeconds(Math.Max(1, configuration.GetValue(IntervalSetting, 8.0)));
        logger.LogInformation("Demo partner: a fictional reporter of another outlet works every {Seconds} s (set {Setting}=false to turn it off)", interval.TotalSeconds, Setting);
        var writer = new DemoWriter(services);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await ActAsync(writer, stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A demo nicety must never take the server down: the next turn tries again.
                logger.LogDebug(e, "The demo partner's turn failed");
            }
            await Task.Delay(interval, clock, stoppingToken);
        }
    }

    private async Task ActAsync(DemoWriter writer, CancellationToken cancellationToken)
    {
        await using var session = store.QuerySession();
        // The seeded leak and its investigation, whatever else a tester has created in the demo since.
        var dataset = await session.Query<Dataset>().Where(d => d.Name == DemoConsortium.NumbersDataset && d.SharedWithOutletIds == null).FirstOrDefaultAsync(cancellationToken);
        var investigation = dataset is null ? null : await session.LoadAsync<Investigation>(dataset.InvestigationId, cancellationToken);
        if (dataset is null || investigation is null)
        {
            return;
        }
        var datasetId = dataset.Id;
        // Someone signed in is looking at a record: go there (at once when they just arrived, else most of the time), as
        // someone of another outlet.
        var watched = presence.Watched().Where(v => v.Viewers.Count > 0).ToList();
        var newcomer = watched.FirstOrDefault(v => v.Viewers.Any(p => !greeted.Contains((v.RecordId, p.UserId))));
        var target = newcomer ?? (watched.Count > 0 && random.Next(4) > 0 ? watched[random.Next(watched.Count)] : null);
        foreach (var viewer in newcomer?.Viewers ?? [])
        {
            greeted.Add((newcomer!.RecordId, viewer.UserId));
        }
        var busyOutlets = target?.Viewers.Select(v => v.OutletId).ToHashSet() ?? [];
        var candidates = investigation.People
            .Where(p => p.Role is InvestigationRole.Reporter or InvestigationRole.Editor or InvestigationRole.Analyst && !busyOutlets.Contains(p.OutletId) && p.IsCurrent(clock.GetUtcNow()))
            .ToList();
        if (candidates.Count == 0)
        {
            return;
        }
        var member = candidates[random.Next(candidates.Count)];
        var partner = new ConsortiumUser(member.UserId, member.DisplayName, member.OutletId);
        var recordId = target?.RecordId ?? await session.Query<LeakedRecord>()
            .Where(r => r.DatasetId == datasetId && r.RowNumber <= DemoActivity.HotRecords * 3)
            .OrderBy(r => r.RowNumber).Skip(random.Next(DemoActivity.HotRecords * 3)).Select(r => r.Id).FirstOrDefaultAsync(cancellationToken);
        await using var scope = services.CreateAsyncScope();
        if (recordId == Guid.Empty || await scope.ServiceProvider.GetRequiredService<AccessPolicy>().RecordAsync(partner, recordId, cancellationToken) is null)
        {
            return;
        }

        var connectionId = $"demo-partner:{Guid.NewGuid():N}";
        presence.Enter(recordId, connectionId, new PresenceEntry(partner.UserId, partner.DisplayName, partner.OutletId), (_, arrived) =>
        {
            if (arrived is not null)
            {
                Send(hub.Clients.Group(LiveGroups.Record(recordId)).ViewerArrived(arrived));
            }
        });
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(1.5), clock, cancellationToken);
            var annotations = await session.Query<Annotation>().Where(a => a.RecordId == recordId && !a.Retracted).ToListAsync(cancellationToken);
            var thread = annotations.Where(a => a.Kind == AnnotationKinds.Note && a.Visibility == Visibility.Consortium).MaxBy(a => a.CreatedAt);
            if (thread is not null
                && await scope.ServiceProvider.GetRequiredService<ITypingAudience>().OfThreadAsync(partner, recordId, thread.Id, cancellationToken) is { } groups)
            {
                await hub.Clients.Groups(groups).Typing(new TypingView(recordId, thread.Id, partner.UserId, partner.DisplayName, partner.OutletId));
                await Task.Delay(TimeSpan.FromSeconds(2), clock, cancellationToken);
            }
            var verification = annotations.FirstOrDefault(a => a.Kind == AnnotationKinds.Verification && a.Visibility == Visibility.Consortium && a.Verification is { } v
                && VerificationRules.AllowedNext(v, false, new AnnotationReader(partner.UserId, member.Role)).Count > 0);
            if (verification is not null && newcomer is null && random.Next(3) == 0)
            {
                var next = VerificationRules.AllowedNext(verification.Verification!, false, new AnnotationReader(partner.UserId, member.Role));
                await writer.MoveVerificationAsync(partner, verification.Id, new VerificationChange(next[random.Next(next.Count)], Comment: "Moved by the demo partner."), clock.GetUtcNow(), cancellationToken);
            }
            else
            {
                await writer.AddAsync(partner, recordId, new NewAnnotation(AnnotationKinds.Note, DemoTexts.PartnerLiveNotes[random.Next(DemoTexts.PartnerLiveNotes.Length)]), clock.GetUtcNow(), cancellationToken);
            }
            await Task.Delay(TimeSpan.FromSeconds(3), clock, cancellationToken);
        }
        finally
        {
            presence.Leave(recordId, connectionId, left => Send(hub.Clients.Group(LiveGroups.Record(left.RecordId)).ViewerLeft(left)));
        }
    }

    /// <summary>Presence is best effort, as on the hub: sent under the record's lock without waiting, a failure only logged.</summary>
    private void Send(Task send) =>
        send.ContinueWith(static (t, state) => ((ILogger)state!).LogDebug(t.Exception, "A demo presence message was not sent"),
            logger, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
}
