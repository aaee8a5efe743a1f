using Consortium.Server.Storage;
using Npgsql;

namespace Consortium.Testing;

/// <summary>
/// One PostgreSQL server for the whole test run. The test command starts one and names it in
/// CONSORTIUM_TEST_POSTGRES (a connection string with the right to create databases); without it, the
/// first fixture starts an embedded cluster in a temporary folder, stopped when the test process exits.
/// Each fixture gets a database of its own, so collections never see each other's data.
/// </summary>
public static class TestPostgres
{
    public const string Variable = "CONSORTIUM_TEST_POSTGRES";
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static string? adminConnectionString;

    public static async Task<string> CreateDatabaseAsync()
    {
        var admin = await AdminConnectionStringAsync();
        var name = $"consortium_test_{Guid.NewGuid():N}";
        await using var connection = new NpgsqlConnection(admin);
        await connection.OpenAsync();
        await using var create = new NpgsqlCommand($"create database {name}", connection);
        await create.ExecuteNonQueryAsync();
        return new NpgsqlConnectionStringBuilder(admin) { Database = name, IncludeErrorDetail = true }.ConnectionString;
    }

    public static async Task DropDatabaseAsync(string connectionString)
    {
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database!;
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(await AdminConnectionStringAsync());
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"drop database if exists {name} with (force)", connection);
        await drop.ExecuteNonQueryAsync();
    }

    private static async Task<string> AdminConnectionStringAsync()
    {
        await Gate.WaitAsync();
        try
        {
            if (adminConnectionString is not null)
            {
                return adminConnectionString;
            }
            var configured = Environment.GetEnvironmentVariable(Variable);
            if (!string.IsNullOrWhiteSpace(configured))
            {
                return adminConnectionString = configured;
            }
            var folder = Path.Combine(Path.GetTempPath(), $"consortium-tests-{Environment.ProcessId}", "postgres");
            var cluster = await EmbeddedPostgres.StartAsync(folder);
            AppDomain.CurrentDomain.ProcessExit += (_, _) =>
            {
                cluster.DisposeAsync().AsTask().GetAwaiter().GetResult();
                try
                {
                    Directory.Delete(Path.GetDirectoryName(folder)!, recursive: true);
                }
                catch (IOException)
                {
                }
                catch (UnauthorizedAccessException)
                {
                }
            };
            return adminConnectionString = cluster.ConnectionString("postgres");
        }
        finally
        {
            Gate.Release();
        }
    }
}
