using Consortium.Client;
using Consortium.Server.Access;
using Consortium.Server.Annotations;
using Consortium.Server.Identity;
using Consortium.Server.Investigations;
using Consortium.Server.Records;
using Consortium.Server.Storage;
using Marten;

namespace Consortium.Server.Demo;

public static class DemoSeedRegistration
{
    /// <summary>Seeds the fictional consortium once, when Demo:Seed is true (appsettings.Development.json sets it), and starts the demo partner.</summary>
    public static WebApplicationBuilder AddDemoConsortium(this WebApplicationBuilder builder)
    {
        if (builder.Configuration.GetValue<bool>("Demo:Seed"))
        {
            builder.Services.AddSingleton<DemoSeed>();
            builder.Services.AddHostedService(provider => provider.GetRequiredService<DemoSeed>());
            // The fictional colleague at work: the demo on its embedded database only, never a configured one (decision 0030).
            if (DemoPartner.IsAllowed(builder.Configuration))
            {
                builder.Services.AddHostedService<DemoPartner>();
            }
        }
        return builder;
    }
}

/// <summary>Runs in the background after start, so the server answers at once; the dataset appears when its import commits.</summary>
internal sealed class DemoSeed(IDocumentStore store, StorageSettings storage, IServiceProvider services, IConfiguration configuration, TimeProvider clock, ILogger<DemoSeed> logger) : BackgroundService
{
    private readonly TaskCompletionSource seeded = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the demo data is there (seeded now or found from an earlier start); the demo partner waits for it.</summary>
    public Task Seeded => seeded.Task;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await SeedAsync(stoppingToken);
            seeded.TrySetResult();
        }
        catch (Exception e)
        {
            seeded.TrySetException(e);
            throw;
        }
    }

    /// <summary>Seeds the demo unless an earlier start did: a second call adds nothing.</summary>
    public async Task SeedAsync(CancellationToken stoppingToken)
    {
        await using var session = store.LightweightSession();
        if (await session.Query<Outlet>().AnyAsync(stoppingToken))
        {
            logger.LogInformation("Demo consortium: sign in at /account/login; demo accounts, password and authenticator keys are in {File}", DemoAccounts.CredentialsFile(configuration));
            return;
        }
        var recordCount = configuration.GetValue("Demo:RecordCount", 50_000);
        var seeding = System.Diagnostics.Stopwatch.StartNew();
        logger.LogInformation("Seeding the demo consortium: 17 outlets, one investigation, {RecordCount} synthetic records", recordCount);

        session.Store(DemoConsortium.Outlets.ToArray());
        var now = clock.GetUtcNow();
        var accounts = await DemoAccounts.CreateAsync(services, configuration, stoppingToken);
        // The consortium formed a month ago, so the seeded activity of the last two weeks falls within everyone's membership.
        var formed = now.AddDays(-30);
        var members = DemoConsortium.Outlets.SelectMany(outlet => DemoConsortium.PeopleOf(outlet.Id).Select((person, index) =>
            new Membership(accounts[$"{person}@{outlet.Id}.example"], DemoAccounts.DisplayNameOf(person), outlet.Id, DemoConsortium.RoleOf(outlet.Id, index), formed, null))).ToArray();
        var investigation = new Investigation(
            Guid.CreateVersion7(),
            "Project Nightjar",
            "A leaked list of phone numbers selected for surveillance by an unnamed spyware vendor's clients. All numbers are synthetic.",
            DemoConsortium.CoordinatorId,
            DemoConsortium.Outlets.Select(o => o.Id).ToArray(),
            formed,
            members);
        session.Store(investigation);
        await session.SaveChangesAsync(stoppingToken);

        var numbers = new Dataset(Guid.CreateVersion7(), investigation.Id, DemoConsortium.NumbersDataset,
            "The leaked selection list: one row per number, with the client that selected it and when.", null, [], 0, now);
        var forensics = new Dataset(Guid.CreateVersion7(), investigation.Id, "Forensic triage",
            "Phones examined by the lab. Compartment: the lab and the two outlets whose sources consented.",
            ["open-forensics-lab", "le-veilleur", "harbour-courier"], [], 0, now);
        await ImportAsync(numbers, DemoConsortium.SelectedNumbersCsv(recordCount), stoppingToken);
        await ImportAsync(forensics, DemoConsortium.SelectedNumbersCsv(40), stoppingToken);

        await using var reads = store.QuerySession();
        var firstRows = await reads.Query<LeakedRecord>().Where(r => r.DatasetId == numbers.Id).OrderBy(r => r.RowNumber).Take(DemoActivity.HotRecords * 3).Select(r => r.Id).ToListAsync(stoppingToken);
        var compartment = await reads.Query<LeakedRecord>().Where(r => r.DatasetId == forensics.Id).OrderBy(r => r.RowNumber).Take(6).Select(r => r.Id).ToListAsync(stoppingToken);
        await DemoPublicationPlan.SeedAsync(store, investigation, firstRows.Take(5).ToList(), clock.GetUtcNow(), stoppingToken);
        // Every third of the first rows: the dataset's first page shows work in progress, with untouched rows between.
        var started = System.Diagnostics.Stopwatch.StartNew();
        var written = await new DemoActivity(new DemoWriter(services), services, investigation, clock.GetUtcNow())
            .SeedAsync(firstRows.Where((_, i) => i % 3 == 0).ToList(), compartment, stoppingToken);
        await DemoImportHistory.SeedAsync(services, investigation, forensics.Id, stoppingToken);
        logger.LogInformation("Demo activity: {Annotations} annotations with their changes, reads and two import jobs in {Seconds:0.0} s", written, started.Elapsed.TotalSeconds);
        logger.LogInformation("Demo consortium ready in {Seconds:0.0} s: sign in at /account/login; demo accounts, password and authenticator keys are in {File}",
            seeding.Elapsed.TotalSeconds, DemoAccounts.CredentialsFile(configuration));
    }

    private async Task ImportAsync(Dataset dataset, string csv, CancellationToken cancellationToken)
    {
        await using var source = new CsvRowSource(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(csv)));
        if (await source.ReadHeaderAsync(dataset.Columns, cancellationToken) is { } unusable)
        {
            throw new InvalidOperationException($"Demo data unusable: {unusable.Detail}");
        }
        dataset = dataset with { Columns = source.Header!, Schema = dataset.Schema ?? DatasetSchema.Infer(source.Header!) };
        await using (var session = store.LightweightSession())
        {
            session.Store(dataset);
            await session.SaveChangesAsync(cancellationToken);
        }
        // Seeding is nobody's action, so it runs without an import job and leaves no audit entries.
        var (_, outcome) = await new ImportPipeline(store, storage, dataset, source, NoCheckpoint.Instance).RunAsync(ImportProgress.Start, CancellationToken.None, cancellationToken);
        logger.LogInformation("Demo dataset {Dataset}: {Imported} records imported, {Rejected} rejected", dataset.Name, outcome.Imported, outcome.Rejected);
    }
}
