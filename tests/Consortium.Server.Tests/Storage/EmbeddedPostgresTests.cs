using System.Diagnostics;
using Consortium.Server.Storage;
using Npgsql;

namespace Consortium.Server.Tests.Storage;

public sealed class EmbeddedPostgresTests
{
    [Fact]
    public async Task Embedded_cluster_starts_in_an_empty_folder_serves_queries_and_stops_on_dispose()
    {
        var root = Path.Combine(Path.GetTempPath(), $"consortium-embedded-{Guid.NewGuid():N}");
        try
        {
            var cluster = await EmbeddedPostgres.StartAsync(Path.Combine(root, "postgres"));
            await cluster.EnsureDatabaseAsync("consortium");
            var connectionString = cluster.ConnectionString("consortium");
            await using (var connection = new NpgsqlConnection(connectionString))
            {
                await connection.OpenAsync();
                await using var command = new NpgsqlCommand("select current_database()", connection);
                Assert.Equal("consortium", await command.ExecuteScalarAsync());
            }

            await cluster.DisposeAsync();

            await using var after = new NpgsqlConnection(connectionString);
            await Assert.ThrowsAnyAsync<NpgsqlException>(() => after.OpenAsync());
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public async Task Server_without_PostgreSQL_binaries_exits_with_one_sentence_saying_what_to_do()
    {
        var serverDll = typeof(Program).Assembly.Location;
        var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add(serverDll);
        start.Environment["ConnectionStrings__Consortium"] = "";
        start.Environment["Storage__PostgresBinaries"] = "/nonexistent/postgresql/bin";
        start.Environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);

        Assert.Equal(78, process.ExitCode);
        var message = (await stderr).Trim();
        Assert.StartsWith("Consortium cannot start:", message, StringComparison.Ordinal);
        Assert.Contains("ConnectionStrings__Consortium", message, StringComparison.Ordinal);
        Assert.Single(message.Split('\n'));
    }
}
