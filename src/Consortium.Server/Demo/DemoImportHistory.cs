using System.Text;
using Consortium.Client;
using Consortium.Server.Access;
using Consortium.Server.Audit;
using Consortium.Server.Identity;
using Consortium.Server.Records;
using Marten;

namespace Consortium.Server.Demo;

/// <summary>
/// Two uploads to the forensic compartment as an editor makes them through the import endpoint: the file spooled, the
/// job stored with its audit entry, then run by the import worker. The second file is a messy export from the lab's
/// spreadsheet, so the dataset page shows an error report (rows too short, numbers that are not numbers).
/// </summary>
internal static class DemoImportHistory
{
    public static async Task SeedAsync(IServiceProvider services, Investigation investigation, Guid datasetId, CancellationToken cancellationToken)
    {
        var camille = investigation.People.First(p => p.Role == InvestigationRole.Coordinator);
        var actor = new AuditActor(camille.UserId, camille.DisplayName, camille.OutletId);
        var clean = new StringBuilder("phone,country,first_seen,selector\n");
        // Numbers from Ofcom's drama range that the first demo files do not use (07700 900000-999 has 1,000; the first import took 40 of 50,000).
        for (var n = 0; n < 12; n++)
        {
            clean.Append($"01632 960{n + 900:000},GB,2021-0{n % 9 + 1}-1{n % 10}T08:00Z,Client {n % 12 + 1:00}\n");
        }
        var messy = new StringBuilder("phone,country,first_seen,selector\n")
            .Append("01632 960950,GB,2021-04-02T10:12Z,Client 03\n")
            .Append("not a number,GB,2021-04-02T10:15Z,Client 03\n")
            .Append("01632 960951,GB\n")
            .Append("+44 1632 960952,GB,2021-04-03T07:40Z,Client 07\n")
            .Append("12,FR,2021-04-04T09:00Z,Client 07\n")
            .Append("01632 960953,GB,2021-04-05T11:30Z,Client 01,extra\n");
        await RunAsync(services, investigation.Id, datasetId, actor, clean.ToString(), cancellationToken);
        await RunAsync(services, investigation.Id, datasetId, actor, messy.ToString(), cancellationToken);
    }

    private static async Task RunAsync(IServiceProvider services, Guid investigationId, Guid datasetId, AuditActor actor, string csv, CancellationToken cancellationToken)
    {
        var settings = services.GetRequiredService<ImportSettings>();
        var store = services.GetRequiredService<IDocumentStore>();
        var jobs = services.GetRequiredService<ImportJobs>();
        var jobId = Guid.CreateVersion7();
        Directory.CreateDirectory(settings.SpoolDirectory);
        var path = Path.Combine(settings.SpoolDirectory, $"{jobId:N}.upload");
        var bytes = Encoding.UTF8.GetBytes(csv);
        await File.WriteAllBytesAsync(path, bytes, cancellationToken);
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
        var job = new ImportJob(jobId, datasetId, investigationId, "text/csv", path, bytes.Length, ImportStates.Queued, 0, 0, 0, 0, 0, [], null, actor, DemoWriter.Origin, now, now);
        await using (var session = store.LightweightSession())
        {
            session.Insert(job);
            await services.GetRequiredService<AuditLog>().SaveChangesWithEntryAsync(session, actor, DemoWriter.Origin,
                new AuditSubject(AuditActions.ImportStarted, investigationId, AuditTargets.Dataset, datasetId.ToString(), $"job {jobId}: text/csv, {bytes.Length} bytes"), cancellationToken);
        }
        jobs.Enqueue(jobId);
        await jobs.WaitAsync(jobId, cancellationToken);
    }
}
