using Consortium.Server.Storage;
using Microsoft.Extensions.Configuration;
using Npgsql;

namespace Consortium.Server.Tests.Storage;

/// <summary>
/// A node opens at most <c>Storage:MaxConnections</c> connections, named per pool, and says when the nodes of a
/// deployment may open more than PostgreSQL accepts.
/// </summary>
[Collection(WarmConnectionsCollection.Name)]
public sealed class ConnectionBudgetTests
{
    private sealed class SmallServer : ConsortiumServer
    {
        protected override IEnumerable<(string Key, string Value)> Settings => [(ConnectionBudget.Setting, "20"), (WarmConnections.Setting, "2")];
    }

    private sealed class OversizedServer(int connections) : ConsortiumServer
    {
        protected override IEnumerable<(string Key, string Value)> Settings => [(ConnectionBudget.Setting, connections.ToString(System.Globalization.CultureInfo.InvariantCulture))];
    }

    [Theory]
    [InlineData("Host=db;Database=c", null, 34, 34, 17)]
    [InlineData("Host=db;Database=c", "40", 14, 14, 7)]
    [InlineData("Host=db;Database=c;Maximum Pool Size=10", "40", 10, 10, 10)]
    public void The_budget_is_shared_among_the_three_pools_after_the_dedicated_connections(string connectionString, string? setting, int documents, int shared, int search)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(setting is null ? [] : [new(ConnectionBudget.Setting, setting)]).Build();

        var budget = ConnectionBudget.For(connectionString, configuration);

        Assert.Equal((documents, shared, search), (budget.Documents, budget.Shared, budget.Search));
        if (!connectionString.Contains("Pool", StringComparison.Ordinal))
        {
            Assert.Equal(int.Parse(setting ?? "90", System.Globalization.CultureInfo.InvariantCulture), budget.Total);
        }
    }

    [Fact]
    public void A_budget_too_small_for_the_pools_stops_the_node_with_a_sentence_naming_the_setting()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection([new(ConnectionBudget.Setting, "10")]).Build();
        var e = Assert.Throws<InvalidOperationException>(() => ConnectionBudget.For("Host=db;Database=c", configuration));
        Assert.Contains(ConnectionBudget.Setting, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_burst_of_requests_is_served_within_the_nodes_budget_on_connections_named_for_their_pools()
    {
        var server = new SmallServer();
        await ((IAsyncLifetime)server).InitializeAsync();
        try
        {
            var client = server.ClientFor("ines@alpha");
            // 20 connections: 5 dedicated, then 6 for Marten, 6 shared, 3 for the search. Sixty requests at once would
            // have opened a connection each in both write pools under Npgsql's default maximum of 100.
            var answers = await Task.WhenAll(Enumerable.Range(0, 60).Select(_ => client.ListInvestigationsAsync()));
            Assert.Equal(60, answers.Length);

            var byPool = await OpenConnectionsAsync(server.ConnectionString);
            Assert.True(byPool.GetValueOrDefault("documents") is > 0 and <= 6, Describe(byPool));
            Assert.True(byPool.GetValueOrDefault("shared") is > 0 and <= 6, Describe(byPool));
            Assert.True(byPool.Values.Sum() <= 20, Describe(byPool));
        }
        finally
        {
            await ((IAsyncLifetime)server).DisposeAsync();
        }
    }

    [Fact]
    public async Task A_node_whose_budget_PostgreSQL_cannot_hold_reports_degraded_and_serves_on()
    {
        // PostgreSQL's usable slots, read from a database made for the purpose, then a node configured for one more.
        var probe = await TestPostgres.CreateDatabaseAsync();
        int usable;
        try
        {
            await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(probe) { Pooling = false }.ConnectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("select current_setting('max_connections')::int - current_setting('superuser_reserved_connections')::int", connection);
            usable = (int)(await command.ExecuteScalarAsync())!;
        }
        finally
        {
            await TestPostgres.DropDatabaseAsync(probe);
        }
        var server = new OversizedServer(usable + 1);
        await ((IAsyncLifetime)server).InitializeAsync();
        try
        {
            using var health = await server.AnonymousClient().GetAsync(new Uri("/healthz", UriKind.Relative));
            Assert.Equal(System.Net.HttpStatusCode.OK, health.StatusCode);
            Assert.Equal("Degraded", await health.Content.ReadAsStringAsync());
            // Degraded is a warning: requests are served as before.
            Assert.NotNull(await server.ClientFor("ines@alpha").ListInvestigationsAsync());
        }
        finally
        {
            await ((IAsyncLifetime)server).DisposeAsync();
        }
    }

    private static string Describe(Dictionary<string, long> byPool) => string.Join(", ", byPool.Select(p => $"{p.Key} {p.Value}"));

    /// <summary>This database's open connections of a node's pools, by pool (<c>consortium:&lt;pool&gt;@node</c>).</summary>
    private static async Task<Dictionary<string, long>> OpenConnectionsAsync(string serverConnectionString)
    {
        var database = new NpgsqlConnectionStringBuilder(serverConnectionString).Database;
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(serverConnectionString) { Pooling = false, ApplicationName = "test" }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            """
            select substring(application_name from '^consortium:([a-z]+)@'), count(*) from pg_stat_activity
            where datname = @database and application_name like 'consortium:%@%' group by 1
            """, connection);
        command.Parameters.AddWithValue("database", database!);
        var byPool = new Dictionary<string, long>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            byPool[reader.GetString(0)] = reader.GetInt64(1);
        }
        return byPool;
    }
}
