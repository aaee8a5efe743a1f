using System.Net;
using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR.Client;

namespace Consortium.Server.Tests.Records;

[CollectionDefinition(Name)]
public sealed class ReadBudgetCollection : ICollectionFixture<ReadBudgetServer>
{
    public const string Name = "ReadBudget";
}

/// <summary>A server that lets each person read 5 records an hour instead of 5,000, so a small fixture exhausts it.</summary>
public sealed class ReadBudgetServer : ConsortiumServer
{
    protected override IEnumerable<(string Key, string Value)> Settings => [("Records:ReadBudgetPerHour", "5")];
}

/// <summary>
/// Issue 17, item 7: a reporter whom export refuses cannot take a dataset out by paging, searching or opening records
/// one by one; the coordinators hear of it, live and in the audit log; export stays the way out.
/// </summary>
[Collection(ReadBudgetCollection.Name)]
public sealed class ReadBudgetTests(ReadBudgetServer server) : ServerTest(server)
{
    private const string EightNumbers = "phone,country\n07700 900001,GB\n07700 900002,GB\n07700 900003,GB\n07700 900004,GB\n" +
        "07700 900005,GB\n07700 900006,GB\n07700 900007,GB\n07700 900008,GB\n";

    [Fact]
    public async Task Reporter_paging_searching_and_reading_past_the_budget_gets_429_and_the_coordinators_are_told_live_and_in_the_audit()
    {
        var (investigation, dataset) = await GivenInvestigationWithDatasetAsync(EightNumbers);
        var coordinatorHub = Server.ClientFor("ines@alpha").CreateHubConnection();
        var alerts = Channel.CreateUnbounded<NotificationView>();
        coordinatorHub.On<NotificationView>(nameof(IConsortiumClient.NotificationReceived), n => alerts.Writer.TryWrite(n));
        await coordinatorHub.StartAsync();
        await using var _ = coordinatorHub;
        var tom = Server.ClientFor("tom@bravo");

        // 2 listed + 1 searched + 1 opened + 1 listed by digits: the budget of 5, spent.
        var page = await tom.ListRecordsAsync(dataset.Id, limit: 2);
        await tom.SearchAsync(dataset.Id, phone: "900003");
        await tom.GetRecordAsync(page.Items[0].Id);
        await tom.ListRecordsAsync(dataset.Id, phoneDigits: "900004");

        foreach (var path in new[] { $"api/datasets/{dataset.Id}/records?limit=2", $"api/records/{page.Items[1].Id}", $"api/datasets/{dataset.Id}/search?phone=900005",
                     $"api/investigations/{investigation.Id}/search?phone=900006" })
        {
            using var response = await tom.SendAsync(new HttpRequestMessage(HttpMethod.Get, path));
            Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.NotNull(response.Headers.RetryAfter);
            Assert.DoesNotContain("7700900", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
        {
            var alert = await alerts.Reader.ReadAsync(timeout.Token);
            Assert.Equal((SecurityNotificationReasons.ReadBudget, investigation.Id, "Tom"), (alert.Reason, alert.InvestigationId, alert.ByName[..3]));
        }
        var tomId = (await Server.Accounts.AccountAsync("tom@bravo")).Id;
        var exceeded = Assert.Single((await Server.ClientFor("ines@alpha").ListAuditAsync(investigation.Id, action: SecurityAuditActions.ReadBudgetExceeded)).Items);
        Assert.Equal((tomId, "user", tomId), (exceeded.ActorUserId, exceeded.TargetType, exceeded.TargetId));
        // Others read on: the budget is per person.
        Assert.Equal(2, (await Server.ClientFor("lena@lab").ListRecordsAsync(dataset.Id, limit: 2)).Items.Count);
    }

    [Fact]
    public async Task Export_is_not_counted_and_stays_open_to_an_editor_past_the_budget()
    {
        var (investigation, dataset) = await GivenInvestigationWithDatasetAsync(EightNumbers);
        var coordinator = Server.ClientFor("ines@alpha");
        await coordinator.ListRecordsAsync(dataset.Id, limit: 5);
        var refused = await Assert.ThrowsAsync<ConsortiumProblemException>(() => coordinator.ListRecordsAsync(dataset.Id, limit: 1));
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.Status);

        using var exported = new MemoryStream();
        await coordinator.ExportAsync(dataset.Id, "csv", exported);
        Assert.Equal(9, System.Text.Encoding.UTF8.GetString(exported.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }
}

/// <summary>The budget is kept in PostgreSQL: a server started on the same database refuses what the first one would have.</summary>
public sealed class ReadBudgetRestartTests
{
    private sealed class RestartableServer(string database, string keys) : ConsortiumServer
    {
        protected override string? SharedDatabase => database;

        protected override IEnumerable<(string Key, string Value)> Settings => [("Records:ReadBudgetPerHour", "3"), ("Identity:KeysDirectory", keys)];
    }

    [Fact]
    public async Task A_budget_spent_before_a_restart_stays_spent_after_it()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        var keys = Directory.CreateTempSubdirectory("consortium-budget-keys").FullName;
        try
        {
            var first = new RestartableServer(database, keys);
            await ((IAsyncLifetime)first).InitializeAsync();
            await first.ResetAsync();
            var alpha = first.ClientFor("ines@alpha");
            var account = await first.Accounts.AccountAsync("ines@alpha");
            var investigation = await alpha.CreateInvestigationAsync(new NewInvestigation("Nightjar", "", ["bravo"]));
            var dataset = await alpha.CreateDatasetAsync(investigation.Id, new NewDataset("Numbers", ""));
            await alpha.ImportCsvAsync(dataset.Id, new MemoryStream("phone,country\n07700 900001,GB\n07700 900002,GB\n07700 900003,GB\n"u8.ToArray()));
            await alpha.ListRecordsAsync(dataset.Id, limit: 3);
            await ((IAsyncLifetime)first).DisposeAsync();

            var second = new RestartableServer(database, keys);
            await ((IAsyncLifetime)second).InitializeAsync();
            try
            {
                second.Accounts.Remember("ines@alpha", account);
                var refused = await Assert.ThrowsAsync<ConsortiumProblemException>(() => second.ClientFor("ines@alpha").ListRecordsAsync(dataset.Id, limit: 1));
                Assert.Equal(HttpStatusCode.TooManyRequests, refused.Status);
            }
            finally
            {
                await ((IAsyncLifetime)second).DisposeAsync();
            }
        }
        finally
        {
            await TestPostgres.DropDatabaseAsync(database);
            Directory.Delete(keys, recursive: true);
        }
    }
}
