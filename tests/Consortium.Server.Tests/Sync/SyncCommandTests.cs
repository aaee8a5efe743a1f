using System.CommandLine;
using System.Text.Json;
using Consortium.Cli;

namespace Consortium.Server.Tests.Sync;

/// <summary>`consortium sync` as a partner's sync client runs it: client credentials, a cursor file, JSON Lines out.</summary>
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
            var firstRun = await RunAsync(investigation.Id, cursorFile, credentials);
            var edited = await tom.EditAnnotationAsync(first.Id, first.Version, new AnnotationChange(Text: "first, corrected"));
            var second = await tom.AddNoteAsync(record.Id, new NewNote("second"));
            var secondRun = await RunAsync(investigation.Id, cursorFile, credentials);

            Assert.Equal([(first.Id, 1L)], firstRun.Select(e => (e.Annotation.Id, e.Annotation.Version)));
            Assert.Equal([(first.Id, 2L), (second.Id, 1L)], secondRun.Select(e => (e.Annotation.Id, e.Annotation.Version)));
            Assert.Equal(edited.Text, secondRun[0].Annotation.Text);
            Assert.Equal(secondRun[^1].Cursor, (await File.ReadAllTextAsync(cursorFile)).Trim());
            Assert.Empty(await RunAsync(investigation.Id, cursorFile, credentials));
        }
        finally
        {
            File.Delete(cursorFile);
        }
    }

    private async Task<List<ChangeEntry>> RunAsync(Guid investigationId, string cursorFile, SyncClientCredentials credentials)
    {
        using var output = new StringWriter();
        var exit = await ConsortiumCommandLine.Root()
            .Parse(["--server", Server.BaseAddress.ToString(), "--client-id", credentials.ClientId, "--client-secret", credentials.ClientSecret,
                "sync", "--investigation", investigationId.ToString(), "--cursor-file", cursorFile])
            .InvokeAsync(new InvocationConfiguration { Output = output, Error = output });
        Assert.True(exit == 0, output.ToString());
        return output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonSerializer.Deserialize<ChangeEntry>(line, Json)!).ToList();
    }
}
