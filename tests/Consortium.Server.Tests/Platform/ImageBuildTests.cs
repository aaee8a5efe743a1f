using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Reflection.PortableExecutable;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace Consortium.Server.Tests.Platform;

// Alone, after the parallel collections: a minute of compiling on two cores would slow the tests that run beside it.
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ImageBuildCollection
{
    public const string Name = "Image build";
}

/// <summary>
/// The container image cannot be built here, but its build steps can be run: the Dockerfile's own <c>dotnet restore</c>
/// and <c>dotnet publish</c> commands, taken from the file, for this machine's architecture. What they publish must be
/// compiled ahead of time (ReadyToRun) and must start and answer <c>/healthz</c> on a real database.
/// </summary>
[Collection(ImageBuildCollection.Name)]
public sealed partial class ImageBuildTests
{
    [Fact]
    public async Task The_images_restore_and_publish_steps_give_a_ReadyToRun_server_that_starts_and_answers_healthz()
    {
        var work = Directory.CreateTempSubdirectory("consortium-image-");
        var database = await TestPostgres.CreateDatabaseAsync();
        try
        {
            var output = Path.Combine(work.FullName, "app");
            var steps = DotnetSteps(RepositoryFiles.Read("deploy/Dockerfile")).ToList();
            Assert.Equal(["restore", "publish"], steps.Select(s => s[0]));
            foreach (var step in steps)
            {
                // The image's own arguments, with the machine's architecture for $TARGETARCH and a folder of this test's
                // for /app; build outputs go under the test's folder, not the working tree's obj/. The web UI's build
                // (npm) is left out: its own tests cover it, and the image checks its index.html.
                var arguments = step.Select(a => a == "/app" ? output : a.Replace("$TARGETARCH", Architecture(), StringComparison.Ordinal))
                    .Concat(["--artifacts-path", Path.Combine(work.FullName, "artifacts"), "-p:SkipWebBuild=true", "-nologo"]);
                var (exitCode, log) = await RunAsync("dotnet", arguments, TimeSpan.FromMinutes(8));
                Assert.True(exitCode == 0, $"dotnet {string.Join(' ', step)} failed:\n{log}");
            }

            var server = Path.Combine(output, "Consortium.Server.dll");
            using (var stream = File.OpenRead(server))
            using (var pe = new PEReader(stream))
            {
                // A ReadyToRun assembly carries native code, announced by the CLR header's managed native header.
                Assert.True(pe.PEHeaders.CorHeader!.ManagedNativeHeaderDirectory.Size > 0, "Consortium.Server.dll was published without ReadyToRun code.");
            }

            var port = FreePort();
            var start = new ProcessStartInfo("dotnet") { WorkingDirectory = output, UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            start.ArgumentList.Add(server);
            start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
            start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
            start.Environment["ConnectionStrings__Consortium"] = database;
            start.Environment["Identity__RequireHttps"] = "false";
            start.Environment["Identity__KeysDirectory"] = Path.Combine(work.FullName, "keys");
            start.Environment["Import__SpoolDirectory"] = Path.Combine(work.FullName, "spool");
            start.Environment["Audit__KeyFile"] = Path.Combine(work.FullName, "keys", "audit-chain.key");
            start.Environment["Demo__Seed"] = "false";
            start.Environment["Storage__WarmConnections"] = "1";
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            try
            {
                using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(5) };
                var deadline = DateTime.UtcNow.AddMinutes(2);
                HttpStatusCode? status = null;
                while (status != HttpStatusCode.OK && !process.HasExited && DateTime.UtcNow < deadline)
                {
                    try
                    {
                        using var health = await http.GetAsync(new Uri("healthz", UriKind.Relative));
                        status = health.StatusCode;
                    }
                    catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                    {
                        await Task.Delay(250);
                    }
                }
                Assert.True(status == HttpStatusCode.OK, $"The published server did not answer /healthz (exited: {process.HasExited}).");
            }
            finally
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                }
                await process.WaitForExitAsync();
                await Task.WhenAll(stdout, stderr);
            }
        }
        finally
        {
            await TestPostgres.DropDatabaseAsync(database);
            work.Delete(recursive: true);
        }
    }

    /// <summary>The arguments of each <c>RUN dotnet restore|publish</c> of the Dockerfile, up to the first <c>&amp;&amp;</c>, quotes removed.</summary>
    private static IEnumerable<string[]> DotnetSteps(string dockerfile)
    {
        var joined = dockerfile.Replace("\\\n", " ", StringComparison.Ordinal);
        foreach (Match match in DotnetRun().Matches(joined))
        {
            yield return match.Groups[1].Value.Split("&&")[0].Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(a => a.Trim('"')).ToArray();
        }
    }

    private static string Architecture() => RuntimeInformation.OSArchitecture switch
    {
        System.Runtime.InteropServices.Architecture.Arm64 => "arm64",
        _ => "amd64",
    };

    private static async Task<(int ExitCode, string Log)> RunAsync(string program, IEnumerable<string> arguments, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(program) { WorkingDirectory = RepositoryFiles.Root, UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        await process.WaitForExitAsync(cancel.Token);
        return (process.ExitCode, await stdout + await stderr);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [GeneratedRegex(@"^RUN dotnet ((?:restore|publish) .*)$", RegexOptions.Multiline)]
    private static partial Regex DotnetRun();
}
