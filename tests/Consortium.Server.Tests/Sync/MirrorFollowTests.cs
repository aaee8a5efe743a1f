using System.Net;
using System.Net.Sockets;
using Consortium.Cli;

namespace Consortium.Server.Tests.Sync;

/// <summary>
/// `consortium mirror --follow` into a real PostgreSQL database while the server is stopped and a new one started on
/// the same database and address (a restart). Two servers of its own, so no collection fixture. The mirror reaches them
/// through a local TCP relay that keeps one address across the restart, as a partner reaches a server by its name.
/// </summary>
public sealed class MirrorFollowTests
{
    private sealed class RestartableServer(string database, string keys) : ConsortiumServer
    {
        protected override string? SharedDatabase => database;

        protected override IEnumerable<(string Key, string Value)> Settings => [("Identity:KeysDirectory", keys)];
    }

    [Fact]
    public async Task Mirror_follow_mirrors_new_annotations_survives_a_server_restart_and_resumes_from_its_cursor()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        var mirror = await TestPostgres.CreateDatabaseAsync();
        var keys = Directory.CreateTempSubdirectory("consortium-mirror-keys").FullName;
        await using var relay = new TcpRelay();
        ConsortiumServer? second = null;
        var first = new RestartableServer(database, keys);
        try
        {
            await ((IAsyncLifetime)first).InitializeAsync();
            await first.ResetAsync();
            relay.Target = first.BaseAddress;
            var ines = first.ClientFor("ines@alpha");
            var account = await first.Accounts.AccountAsync("tom@bravo");
            var investigation = await ines.CreateInvestigationAsync(new NewInvestigation("Nightjar", "Test investigation", ["bravo"]));
            await ines.AddMemberAsync(investigation.Id, new NewMember(account.Email, InvestigationRole.Reporter));
            var dataset = await ines.CreateDatasetAsync(investigation.Id, new NewDataset("Numbers", ""));
            await ines.ImportCsvAsync(dataset.Id, new MemoryStream("phone,country\n07700 900001,GB\n"u8.ToArray()));
            var record = (await ines.ListRecordsAsync(dataset.Id)).Items[0];
            await first.Accounts.AccountAsync("adm@bravo", outletAdmin: true);
            var credentials = await first.ClientFor("adm@bravo").RegisterSyncClientAsync(new NewSyncClient("bravo mirror"));

            using var stop = new CancellationTokenSource();
            var output = TextWriter.Synchronized(new StringWriter());
            var following = MirrorCommandTests.RunMirrorCommandAsync(investigation.Id, credentials, ["--database", mirror], relay.Address, follow: true, output, stop.Token);

            var before = await first.ClientFor("tom@bravo").AddNoteAsync(record.Id, new NewNote("before the restart"));
            var hidden = await ines.AddNoteAsync(record.Id, new NewNote("alpha only", Visibility.Outlet));
            await WaitForAsync(mirror, before.Id, following, output);

            await ((IAsyncLifetime)first).DisposeAsync();
            second = new RestartableServer(database, keys);
            await ((IAsyncLifetime)second).InitializeAsync();
            relay.Target = second.BaseAddress;
            second.Accounts.Remember("tom@bravo", account);
            var after = await second.ClientFor("tom@bravo").AddNoteAsync(record.Id, new NewNote("after the restart"));
            await WaitForAsync(mirror, after.Id, following, output);

            await stop.CancelAsync();
            var (exit, _) = await following;
            Assert.Equal(MirrorExitCodes.Ok, exit);
            Assert.DoesNotContain(hidden.Id, (await MirrorCommandTests.AnnotationRowsAsync(mirror)).Keys);

            // Run again later, from the cursor stored in the database: only what changed meanwhile is carried.
            var meanwhile = await second.ClientFor("tom@bravo").AddNoteAsync(record.Id, new NewNote("while the mirror was stopped"));
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            var reports = new List<string>();
            while (!(await MirrorCommandTests.AnnotationRowsAsync(mirror)).ContainsKey(meanwhile.Id))
            {
                var (again, printed) = await MirrorCommandTests.RunMirrorCommandAsync(investigation.Id, credentials, ["--database", mirror], relay.Address);
                Assert.True(again == MirrorExitCodes.Ok, printed);
                reports.AddRange(printed.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
                await Task.Delay(100, timeout.Token);
            }
            Assert.Equal(["mirrored 0 records and 1 annotation changes"], reports);
            Assert.Equal(new HashSet<Guid> { before.Id, after.Id, meanwhile.Id }, (await MirrorCommandTests.AnnotationRowsAsync(mirror)).Keys.ToHashSet());
        }
        finally
        {
            if (second is not null)
            {
                await ((IAsyncLifetime)second).DisposeAsync();
            }
            else
            {
                await ((IAsyncLifetime)first).DisposeAsync();
            }
            await TestPostgres.DropDatabaseAsync(mirror);
            await TestPostgres.DropDatabaseAsync(database);
            Directory.Delete(keys, recursive: true);
        }
    }

    /// <summary>Waits (generously; nothing is timed) until the mirror's table holds <paramref name="annotationId"/>.</summary>
    private static async Task WaitForAsync(string mirror, Guid annotationId, Task<(int Exit, string Output)> following, TextWriter output)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        while (!(await MirrorCommandTests.AnnotationRowsAsync(mirror)).ContainsKey(annotationId))
        {
            Assert.False(following.IsCompleted, $"The mirror stopped: {output}");
            await Task.Delay(100, timeout.Token);
        }
    }

    /// <summary>Forwards each local connection to whichever server is current; a stopped server's connections close.</summary>
    private sealed class TcpRelay : IAsyncDisposable
    {
        private readonly TcpListener listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource stop = new();
        private readonly Task accepting;

        public TcpRelay()
        {
            listener.Start();
            accepting = AcceptAsync();
        }

        public Uri Address => new($"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/");

        public Uri? Target { get; set; }

        public async ValueTask DisposeAsync()
        {
            await stop.CancelAsync();
            listener.Stop();
            try
            {
                await accepting;
            }
            catch (OperationCanceledException)
            {
            }
            stop.Dispose();
        }

        private async Task AcceptAsync()
        {
            while (!stop.IsCancellationRequested)
            {
                var client = await listener.AcceptTcpClientAsync(stop.Token);
                _ = RelayAsync(client);
            }
        }

        private async Task RelayAsync(TcpClient client)
        {
            using (client)
            {
                using var server = new TcpClient();
                try
                {
                    await server.ConnectAsync(Target!.Host, Target.Port, stop.Token);
                    var upstream = client.GetStream().CopyToAsync(server.GetStream(), stop.Token);
                    var downstream = server.GetStream().CopyToAsync(client.GetStream(), stop.Token);
                    await Task.WhenAny(upstream, downstream);
                }
                catch (Exception e) when (e is SocketException or IOException or OperationCanceledException or ObjectDisposedException)
                {
                    // The server is away or the connection ended: closing the client's side tells it so.
                }
            }
        }
    }
}
