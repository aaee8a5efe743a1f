using System.CommandLine;
using System.Text.Json;
using Consortium.Cli;

namespace Consortium.Server.Tests.Sync;

/// <summary>`consortium sync` as a partner's sync client runs it: client credentials, a cursor file, a type filter, JSON Lines out.</summary>
[Collection(AnnotationsCollection.Name)]
public sealed class SyncCommandTests(ConsortiumServer server) : ServerTest(server)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    [Fact]
    public async Task Sync_prints_what_the_outlet_may_read_and_resumes_from_its_cursor_file_without_repeating()
    {
        var (investigation, dataset) = await GivenInvestigationWithDatasetAsync("phone,country\n07700 900001,GB\n");
        var record = (await Server.ClientFor("ines@alpha").ListRecordsAsync(dataset.Id)).Items[0];
        await Server.Accounts.AccountAsync("adm@bravo", outletAdmin: true);
        var credentials = await Server.ClientFor("adm@bravo").RegisterSyncClientAsync(new NewSyncClient("bravo sync"));
        var tom = Server.ClientFor("tom@bravo");
        var first = await tom.AddNoteAsync(record.Id, new NewNote("first"));
        await Server.ClientFor("ines@alpha").AddNoteAsync(record.Id, new NewNote("alpha only", Visibility.Outlet));
        var cursorFile = Path.Combine(Path.GetTempPath(), $"consortium-sync-{Guid.NewGuid():N}.cursor");
        try
        {
            var firstRun = await RunUntilAsync(investigation.Id, cursorFile, credentials, 1);
            var edited = await tom.EditAnnotationAsync(first.Id, first.Version, new AnnotationChange(Text: "first, corrected"));
            var second = await tom.AddNoteAsync(record.Id, new NewNote("second"));
            var secondRun = await RunUntilAsync(investigation.Id, cursorFile, credentials, 2);

            Assert.Equal([(first.Id, 1L)], firstRun.Select(e => (Guid.Parse(e.ObjectId), e.Version)));
            Assert.Equal([(first.Id, 2L), (second.Id, 1L)], secondRun.Select(e => (Guid.Parse(e.ObjectId), e.Version)));
            Assert.Equal(edited.Text, secondRun[0].Object.GetProperty("text").GetString());
            Assert.All(firstRun.Concat(secondRun), e => Assert.Equal(ChangeFeedTypes.Annotation, e.Type));
            Assert.Equal(secondRun[^1].Cursor, (await File.ReadAllTextAsync(cursorFile)).Trim());
            Assert.Empty(await RunAsync(investigation.Id, cursorFile, credentials));
        }
        finally
        {
            File.Delete(cursorFile);
        }
    }

    /// <summary>
    /// Runs `sync` again (resuming from the cursor file) until it has printed <paramref name="atLeast"/> entries in all:
    /// the feed rightly holds changes back while an older transaction anywhere in the database cluster is open.
    /// </summary>
    private async Task<List<ChangeFeedEntry>> RunUntilAsync(Guid investigationId, string cursorFile, SyncClientCredentials credentials, int atLeast)
    {
        var printed = new List<ChangeFeedEntry>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (printed.Count < atLeast)
        {
            printed.AddRange(await RunAsync(investigationId, cursorFile, credentials));
            await Task.Delay(50, timeout.Token);
        }
        return printed;
    }

    private async Task<List<ChangeFeedEntry>> RunAsync(Guid investigationId, string cursorFile, SyncClientCredentials credentials)
    {
        using var output = new StringWriter();
        var exit = await ConsortiumCommandLine.Root()
            .Parse(["--server", Server.BaseAddress.ToString(), "--client-id", credentials.ClientId, "--client-secret", credentials.ClientSecret,
                "sync", "--investigation", investigationId.ToString(), "--types", "annotation", "--cursor-file", cursorFile])
            .InvokeAsync(new InvocationConfiguration { Output = output, Error = output });
        Assert.True(exit == 0, output.ToString());
        return output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonSerializer.Deserialize<ChangeFeedEntry>(line, Json)!).ToList();
    }
}
