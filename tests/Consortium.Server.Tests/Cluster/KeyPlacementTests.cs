using System.Diagnostics;
using Consortium.Server.Tests.Platform;

namespace Consortium.Server.Tests.Cluster;

/// <summary>
/// A clustered node must be told where its shared keys live. Keeping them in PostgreSQL unasked would let anyone who
/// reads the database forge tokens, so a node with neither a mounted keys folder nor the explicit opt-in refuses to start.
/// </summary>
public sealed class KeyPlacementTests
{
    [Fact]
    public async Task A_clustered_node_without_a_keys_folder_or_the_opt_in_refuses_to_start()
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.Combine(RepositoryFiles.Root, "src", "Consortium.Server"),
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(ServerNodes.ServerDll());
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
        // Nothing listens on these: the node must stop on its configuration, before it connects to anything.
        start.Environment["ConnectionStrings__Consortium"] = "Host=127.0.0.1;Port=1;Database=none;Username=none;Password=none";
        start.Environment["Redis__Configuration"] = "127.0.0.1:1";
        start.Environment["Identity__RequireHttps"] = "false";
        start.Environment["Demo__Seed"] = "false";
        start.Environment.Remove("Identity__KeysDirectory");
        start.Environment.Remove("Identity__KeysInDatabase");

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var patience = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(patience.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail("The clustered node without a keys folder started and kept running.");
        }

        var said = await output + await error;
        Assert.NotEqual(0, process.ExitCode);
        Assert.Contains("Identity:KeysInDatabase", said, StringComparison.Ordinal);
        Assert.Contains("Identity:KeysDirectory", said, StringComparison.Ordinal);
    }
}
