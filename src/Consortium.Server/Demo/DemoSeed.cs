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
    /// <summary>Seeds the fictional consortium once, when Demo:Seed is true (appsettings.Development.json sets it).</summary>
    public static WebApplicationBuilder AddDemoConsortium(this WebApplicationBuilder builder)
    {
        if (builder.Configuration.GetValue<bool>("Demo:Seed"))
        {
            builder.Services.AddHostedService<DemoSeed>();
        }
        return builder;
    }
}

/// <summary>Runs in the background after start, so the server answers at once; the dataset appears when its import commits.</summary>
internal sealed class DemoSeed(IDocumentStore store, StorageSettings storage, IServiceProvider services, IConfiguration configuration, TimeProvider clock, ILogger<DemoSeed> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await using var session = store.LightweightSession();
        if (await session.Query<Outlet>().AnyAsync(stoppingToken))
        {
            logger.LogInformation("Demo consortium: sign in at /account/login; accounts and password are in {File}", DemoAccounts.CredentialsFile(configuration));
            return;
        }
        var recordCount = configuration.GetValue("Demo:RecordCount", 50_000);
        logger.LogInformation("Seeding the demo consortium: 17 outlets, one investigation, {RecordCount} synthetic records", recordCount);

        session.Store(DemoConsortium.Outlets.ToArray());
        var now = clock.GetUtcNow();
        var accounts = await DemoAccounts.CreateAsync(services, configuration, stoppingToken);
        // Everyone takes part: the coordinating outlet's first reporter coordinates, each outlet's first is an editor,
        // the lab's people are analysts, the rest reporters.
        var members = DemoConsortium.Outlets.SelectMany(outlet => DemoConsortium.PeopleOf(outlet.Id).Select((person, index) =>
        {
            var role = outlet.Id == DemoConsortium.CoordinatorId && index == 0 ? InvestigationRole.Coordinator
                : outlet.Id == "open-forensics-lab" ? InvestigationRole.Analyst
                : index == 0 ? InvestigationRole.Editor
                : InvestigationRole.Reporter;
            var email = $"{person}@{outlet.Id}.example";
            return new Membership(accounts[email], DemoAccounts.DisplayNameOf(person), outlet.Id, role, now, null);
        })).ToArray();
        var investigation = new Investigation(
            Guid.CreateVersion7(),
            "Project Nightjar",
            "A leaked list of phone numbers selected for surveillance by an unnamed spyware vendor's clients. All numbers are synthetic.",
            DemoConsortium.CoordinatorId,
            DemoConsortium.Outlets.Select(o => o.Id).ToArray(),
            now,
            members);
        session.Store(investigation);
        await session.SaveChangesAsync(stoppingToken);

        var numbers = new Dataset(Guid.CreateVersion7(), investigation.Id, "Selected numbers",
            "The leaked selection list: one row per number, with the client that selected it and when.", null, [], 0, now);
        var forensics = new Dataset(Guid.CreateVersion7(), investigation.Id, "Forensic triage",
            "Phones examined by the lab. Compartment: the lab and the two outlets whose sources consented.",
            ["open-forensics-lab", "le-veilleur", "harbour-courier"], [], 0, now);
        await ImportAsync(numbers, DemoConsortium.SelectedNumbersCsv(recordCount), stoppingToken);
        await ImportAsync(forensics, DemoConsortium.SelectedNumbersCsv(40), stoppingToken);

        // A first finding, so the annotation thread is not empty on the first visit.
        await using var notes = store.LightweightSession();
        var first = await notes.Query<LeakedRecord>().Where(r => r.DatasetId == numbers.Id).OrderBy(r => r.RowNumber).FirstOrDefaultAsync(stoppingToken);
        if (first is not null)
        {
            var author = new ConsortiumUser(accounts["camille.roux@le-veilleur.example"], "Camille Roux", "le-veilleur");
            var added = AddNote.Decide(author, numbers, first, new NewNote("Number appears twice in the selector logs; checking carrier records.", Visibility.Consortium), clock.GetUtcNow());
            notes.Events.StartStream<Annotation>(added.AnnotationId, added);
            await notes.SaveChangesAsync(stoppingToken);
        }
        logger.LogInformation("Demo consortium ready: sign in at /account/login; accounts and password are in {File}", DemoAccounts.CredentialsFile(configuration));
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
