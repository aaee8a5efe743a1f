using Consortium.Server.Storage;
using Npgsql;

namespace Consortium.Server.Tests.Storage;

// Alone, after the parallel collections: its server's start-up (schema transactions) would otherwise hold back the
// changes feed that other collections' tests read at that moment (the feed waits on open transactions, decision 0014).
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class WarmConnectionsCollection
{
    public const string Name = "Warm connections";
}

/// <summary>
/// The write path's pools hold their floor of connections from the start (decision 0022): a burst after a quiet spell
/// finds them open instead of opening PostgreSQL backends while it waits.
/// </summary>
[Collection(WarmConnectionsCollection.Name)]
public sealed class WarmConnectionsTests
{
    private sealed class WarmServer : ConsortiumServer
    {
        protected override IEnumerable<(string Key, string Value)> Settings => [(WarmConnections.Setting, "6")];
    }

    [Fact]
    public async Task A_started_server_holds_its_floor_of_connections_in_both_write_pools_before_any_request()
    {
        var server = new WarmServer();
        await ((IAsyncLifetime)server).InitializeAsync();
        try
        {
            // 6 in Marten's pool and 6 in the identity store's: twelve backends of this database, whatever else is open.
            var database = new NpgsqlConnectionStringBuilder(server.ConnectionString).Database;
            var deadline = DateTime.UtcNow.AddSeconds(30);
            long open;
            do
            {
                await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(server.ConnectionString) { Pooling = false }.ConnectionString);
                await connection.OpenAsync();
                await using var count = new NpgsqlCommand("select count(*) from pg_stat_activity where datname = @database and backend_type = 'client backend' and pid <> pg_backend_pid()", connection);
                count.Parameters.AddWithValue("database", database!);
                open = (long)(await count.ExecuteScalarAsync())!;
                if (open >= 12)
                {
                    break;
                }
                await Task.Delay(200);
            }
            while (DateTime.UtcNow < deadline);
            Assert.True(open >= 12, $"{open} connections to {database}, expected at least 12");
        }
        finally
        {
            await ((IAsyncLifetime)server).DisposeAsync();
        }
    }

    [Theory]
    [InlineData("Host=db;Database=c", 24, 24)]
    [InlineData("Host=db;Database=c;Minimum Pool Size=3", 24, 3)]
    [InlineData("Host=db;Database=c;Maximum Pool Size=10", 24, 10)]
    [InlineData("Host=db;Database=c", 0, 0)]
    public void The_floor_is_the_setting_unless_the_connection_string_sets_one(string connectionString, int setting, int expected)
    {
        var configured = new NpgsqlConnectionStringBuilder(StorageRegistration.WithPoolSettings(connectionString, setting));
        Assert.Equal(expected, configured.MinPoolSize);
    }
}
