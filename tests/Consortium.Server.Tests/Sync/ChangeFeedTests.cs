using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Consortium.Server.Tests.Publication;

namespace Consortium.Server.Tests.Sync;

/// <summary>
/// The feed of every change (<c>GET /api/changes</c>, decision 0026) as partners read it: a sync client's credentials or
/// a person's token, JSON pages, long polls and server-sent events through the .NET client's <c>SyncAsync</c>.
/// </summary>
[Collection(PublicationCollection.Name)]
public sealed class ChangeFeedTests(PublicationServer server) : PublicationTest(server)
{
    private const string Records = "phone,country\n07700 900001,GB\n07700 900002,GB\n07700 900003,GB\n";

    [Fact]
    public async Task A_sync_client_following_from_cursor_zero_while_writers_commit_concurrently_ends_with_exactly_the_visible_set_in_order()
    {
        var (investigation, wave, story) = await GivenPlanAsync(csv: Records);
        var records = (await Ines.ListRecordsAsync((await Ines.ListDatasetsAsync(investigation.Id))[0].Id)).Items;
        var bravo = await SyncClientOfAsync("adm@bravo");
        var followed = new List<ChangeFeedEntry>();
        using var stop = new CancellationTokenSource();
        var follower = Task.Run(async () =>
        {
            try
            {
                await foreach (var entry in bravo.SyncAsync(new SyncOptions { InvestigationId = investigation.Id, Follow = SyncFollow.LongPoll, WaitSeconds = 5, PageSize = 7 }, stop.Token))
                {
                    lock (followed)
                    {
                        followed.Add(entry);
                    }
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
            }
        });

        var tom = Server.ClientFor("tom@bravo");
        var tomNotes = new List<Guid>();
        var alphaNotes = new List<Guid>();
        var datasets = new List<Guid>();
        Guid hiddenDataset = default, otherStory = default;
        await Task.WhenAll(
            Task.Run(async () =>
            {
                for (var i = 0; i < 15; i++)
                {
                    tomNotes.Add((await tom.AddNoteAsync(records[i % 3].Id, new NewNote($"note {i}"))).Id);
                }
            }),
            Task.Run(async () =>
            {
                for (var i = 0; i < 10; i++)
                {
                    alphaNotes.Add((await Ines.AddNoteAsync(records[i % 3].Id, new NewNote($"alpha only {i}", Visibility.Outlet))).Id);
                }
            }),
            Task.Run(async () =>
            {
                for (var i = 0; i < 3; i++)
                {
                    datasets.Add((await Ines.CreateDatasetAsync(investigation.Id, new NewDataset($"Set {i}", ""))).Id);
                }
                hiddenDataset = (await Ines.CreateDatasetAsync(investigation.Id, new NewDataset("Lab's", "", ["lab"]))).Id;
                await Ines.SetRecordRestrictionAsync(records[2].Id, new OutletRestriction(["bravo"]));
            }),
            Task.Run(async () =>
            {
                await Server.ClientFor("eva@bravo").SignOffAsync(story.Id, new SignOffChange(SignOffSteps.LegalReview, true));
                otherStory = (await Ines.CreateStoryAsync(investigation.Id, new NewStory(wave.Id, "Lab's story", "", "alpha", ["lab"]))).Id;
            }));

        // Every visible change is in the feed once the writers' transactions have ended (other work on the cluster may delay that).
        var caughtUp = await ReadUntilAsync(bravo, investigation.Id, all =>
            tomNotes.All(id => all.Any(e => e.ObjectId == id.ToString())) && datasets.All(id => all.Any(e => e.ObjectId == id.ToString()))
            && all.Any(e => e.Type == ChangeFeedTypes.Restriction && e.ObjectId == records[2].Id.ToString()) && all.Any(e => e.Type == ChangeFeedTypes.SignOff));
        using (var guard = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            while (Last(followed)?.Cursor != caughtUp[^1].Cursor)
            {
                await Task.Delay(50, guard.Token);
            }
        }
        await stop.CancelAsync();
        await follower;

        // An entry in one read and not the other is named with its type and change, so a failure says which rule moved.
        var differing = followed.Where(f => caughtUp.All(c => c.Cursor != f.Cursor)).Select(e => $"followed only: {e.Cursor} {e.Type} {e.Change} {e.ObjectId}")
            .Concat(caughtUp.Where(c => followed.All(f => f.Cursor != c.Cursor)).Select(e => $"read only: {e.Cursor} {e.Type} {e.Change} {e.ObjectId}")).ToList();
        Assert.True(differing.Count == 0, string.Join("; ", differing));
        Assert.Equal(caughtUp.Select(e => e.Cursor), followed.Select(e => e.Cursor));
        Assert.Equal(followed.Count, followed.Select(e => e.Cursor).Distinct().Count());
        Assert.True(followed.Select(e => Position(e.Cursor)).Zip(followed.Skip(1).Select(e => Position(e.Cursor))).All(p => p.First.CompareTo(p.Second) < 0));
        var objects = followed.Select(e => e.ObjectId).ToHashSet();
        Assert.DoesNotContain(objects, alphaNotes.Select(id => id.ToString()).Contains);
        Assert.DoesNotContain(hiddenDataset.ToString(), objects);
        Assert.DoesNotContain(otherStory.ToString(), objects);
        Assert.Contains(followed, e => e.Type == ChangeFeedTypes.Membership);
        Assert.Contains(followed, e => e.Type == ChangeFeedTypes.Import && e.Object.GetProperty("lastRow").GetInt64() == 3);
        Assert.Equal(tomNotes.Order(), followed.Where(e => e.Type == ChangeFeedTypes.Annotation).Select(e => Guid.Parse(e.ObjectId)).Order());

        // A type filter reads the same order, only those types.
        var filtered = await ReadUntilAsync(bravo, investigation.Id, _ => true, [ChangeFeedTypes.Annotation, ChangeFeedTypes.Dataset]);
        Assert.Equal(followed.Where(e => e.Type is ChangeFeedTypes.Annotation or ChangeFeedTypes.Dataset).Select(e => e.Cursor), filtered.Select(e => e.Cursor));
    }

    [Fact]
    public async Task Another_outlets_outlet_only_and_private_notes_and_a_story_it_does_not_take_part_in_never_reach_its_feed_or_stream()
    {
        var (investigation, _, story) = await GivenPlanAsync(csv: Records);
        var records = (await Ines.ListRecordsAsync((await Ines.ListDatasetsAsync(investigation.Id))[0].Id)).Items;
        var lena = Server.ClientFor("lena@lab");
        var lab = await SyncClientOfAsync("adm@lab");
        var streamed = new List<ChangeFeedEntry>();
        using var stop = new CancellationTokenSource();
        var stream = Task.Run(async () =>
        {
            try
            {
                await foreach (var entry in lena.SyncAsync(new SyncOptions { Follow = SyncFollow.ServerSentEvents }, stop.Token))
                {
                    lock (streamed)
                    {
                        streamed.Add(entry);
                    }
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
            }
        });
        var tom = Server.ClientFor("tom@bravo");
        var forbidden = new[]
        {
            (await Ines.AddNoteAsync(records[0].Id, new NewNote("alpha only", Visibility.Outlet))).Id,
            (await Ines.AddNoteAsync(records[0].Id, new NewNote("ines only", Visibility.Private))).Id,
            (await tom.AddNoteAsync(records[0].Id, new NewNote("tom only", Visibility.Private))).Id,
        }.Select(id => id.ToString()).ToList();
        var lenaPrivate = (await lena.AddNoteAsync(records[0].Id, new NewNote("lena only", Visibility.Private))).Id.ToString();
        var laterHidden = (await tom.AddNoteAsync(records[1].Id, new NewNote("on a record soon restricted"))).Id.ToString();
        await Server.ClientFor("eva@bravo").SignOffAsync(story.Id, new SignOffChange(SignOffSteps.LegalReview, true));
        await Ines.SetRecordRestrictionAsync(records[1].Id, new OutletRestriction(["bravo"]));
        var marker = (await tom.AddNoteAsync(records[0].Id, new NewNote("marker"))).Id.ToString();

        var asLena = await ReadUntilAsync(lena, investigation.Id, all => all.Any(e => e.ObjectId == marker));
        var asLab = await ReadUntilAsync(lab, investigation.Id, all => all.Any(e => e.ObjectId == marker));
        using (var guard = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            while (!Snapshot(streamed).Any(e => e.ObjectId == marker))
            {
                await Task.Delay(50, guard.Token);
            }
        }
        await stop.CancelAsync();
        await stream;

        foreach (var seen in new[] { asLena, asLab, streamed })
        {
            Assert.DoesNotContain(seen, e => forbidden.Contains(e.ObjectId));
            Assert.DoesNotContain(seen, e => e.Type is ChangeFeedTypes.Story or ChangeFeedTypes.SignOff or ChangeFeedTypes.Embargo or ChangeFeedTypes.Letter);
            Assert.DoesNotContain(seen, e => e.ObjectId == story.Id.ToString());
        }
        foreach (var read in new[] { asLena, asLab })
        {
            Assert.DoesNotContain(read, e => e.ObjectId == laterHidden || e.ObjectId == records[1].Id.ToString());
        }
        Assert.Contains(asLena, e => e.ObjectId == lenaPrivate);
        Assert.DoesNotContain(asLab, e => e.ObjectId == lenaPrivate);
        // bravo, taking part, reads the same story's sign-off.
        Assert.Contains(await ReadUntilAsync(tom, investigation.Id, all => all.Any(e => e.Type == ChangeFeedTypes.SignOff)), e => e.ObjectId == story.Id.ToString());
    }

    [Fact]
    public async Task The_event_stream_resumes_after_its_Last_Event_ID_and_a_long_poll_answers_when_a_change_commits()
    {
        var (investigation, _) = await GivenInvestigationWithDatasetAsync(Records);
        var records = (await Ines.ListRecordsAsync((await Ines.ListDatasetsAsync(investigation.Id))[0].Id)).Items;
        var tom = Server.ClientFor("tom@bravo");
        var notes = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            notes.Add((await tom.AddNoteAsync(records[0].Id, new NewNote($"note {i}"))).Id.ToString());
        }
        var entries = await ReadUntilAsync(tom, investigation.Id, all => all.Count(e => e.Type == ChangeFeedTypes.Annotation) == 3, [ChangeFeedTypes.Annotation]);

        using var http = new HttpClient { BaseAddress = Server.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Get, $"api/changes?types=annotation&investigation={investigation.Id}");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        request.Headers.Add("Last-Event-ID", entries[0].Cursor);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await Server.Accounts.AccessTokenAsync("tom@bravo"));
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using (var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, guard.Token))
        {
            Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(guard.Token));
            var ids = new List<string>();
            while (ids.Count < 2 && await reader.ReadLineAsync(guard.Token) is { } line)
            {
                if (line.StartsWith("id: ", StringComparison.Ordinal))
                {
                    ids.Add(line[4..]);
                }
            }
            Assert.Equal(entries.Skip(1).Select(e => e.Cursor), ids);
        }

        // A long poll from the end answers with the next change once it commits, not at the end of its minute.
        var poll = tom.ReadChangeFeedAsync(entries[^1].Cursor, [ChangeFeedTypes.Annotation], investigation.Id, waitSeconds: 60, cancellationToken: guard.Token);
        var next = await tom.AddNoteAsync(records[0].Id, new NewNote("after the poll began"));
        var page = await poll.WaitAsync(TimeSpan.FromSeconds(45), guard.Token);
        // The poll may have begun after the note was committed; either way the page holds it and nothing before it.
        Assert.Equal([next.Id.ToString()], page.Items.Select(e => e.ObjectId));
    }

    [Fact]
    public async Task A_page_with_more_names_the_next_page_in_its_headers_and_following_the_links_reads_each_entry_once()
    {
        var (investigation, _) = await GivenInvestigationWithDatasetAsync(Records);
        var records = (await Ines.ListRecordsAsync((await Ines.ListDatasetsAsync(investigation.Id))[0].Id)).Items;
        var tom = Server.ClientFor("tom@bravo");
        var notes = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            notes.Add((await tom.AddNoteAsync(records[i % 3].Id, new NewNote($"note {i}"))).Id.ToString());
        }
        await ReadUntilAsync(tom, investigation.Id, all => all.Count(e => e.Type == ChangeFeedTypes.Annotation) == 5, [ChangeFeedTypes.Annotation]);

        // A generic HTTP tool follows RFC 8288 links (rel="next") from the first page until a page names none.
        using var http = new HttpClient { BaseAddress = Server.BaseAddress };
        var token = await Server.Accounts.AccessTokenAsync("tom@bravo");
        var followed = new List<string>();
        string? link = $"api/changes?types=annotation&investigation={investigation.Id}&limit=2&wait=0";
        var pages = 0;
        while (link is not null)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, link);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var response = await http.SendAsync(request);
            Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
            var page = (await response.Content.ReadFromJsonAsync<ChangeFeedPage>())!;
            pages++;
            followed.AddRange(page.Items.Select(e => e.ObjectId));
            if (page.HasMore)
            {
                Assert.Equal(page.Cursor, Assert.Single(response.Headers.GetValues("Consortium-Next-Cursor")));
                var value = Assert.Single(response.Headers.GetValues("Link"));
                Assert.EndsWith("; rel=\"next\"", value, StringComparison.Ordinal);
                link = value[1..value.IndexOf('>', StringComparison.Ordinal)];
                // Same query with the cursor moved on; a long poll's wait is not carried to the next page.
                Assert.Contains($"after={Uri.EscapeDataString(page.Cursor)}", link, StringComparison.Ordinal);
                Assert.Contains("limit=2", link, StringComparison.Ordinal);
                Assert.Contains($"investigation={investigation.Id}", link, StringComparison.Ordinal);
                Assert.DoesNotContain("wait=", link, StringComparison.Ordinal);
            }
            else
            {
                Assert.False(response.Headers.Contains("Link"));
                Assert.False(response.Headers.Contains("Consortium-Next-Cursor"));
                link = null;
            }
        }
        Assert.Equal(notes, followed);
        Assert.Equal(3, pages);

        // The .NET client asks for the named page while it reads the current one: the same entries, once each, in order.
        var synced = new List<string>();
        await foreach (var entry in tom.SyncAsync(new SyncOptions { InvestigationId = investigation.Id, Types = [ChangeFeedTypes.Annotation], PageSize = 2 }))
        {
            synced.Add(entry.ObjectId);
        }
        Assert.Equal(notes, synced);
    }

    private static ChangeFeedEntry? Last(List<ChangeFeedEntry> list)
    {
        lock (list)
        {
            return list.Count > 0 ? list[^1] : null;
        }
    }

    private static List<ChangeFeedEntry> Snapshot(List<ChangeFeedEntry> list)
    {
        lock (list)
        {
            return [.. list];
        }
    }

    private static (ulong, long) Position(string cursor)
    {
        var parts = cursor.Split('-');
        return (ulong.Parse(parts[0], CultureInfo.InvariantCulture), long.Parse(parts[1], CultureInfo.InvariantCulture));
    }

    private async Task<ConsortiumClient> SyncClientOfAsync(string admin)
    {
        await Server.Accounts.AccountAsync(admin, outletAdmin: true);
        var credentials = await Server.ClientFor(admin).RegisterSyncClientAsync(new NewSyncClient($"{admin} sync"));
        var http = new HttpClient { BaseAddress = Server.BaseAddress };
        return new ConsortiumClient(http, new ClientCredentialsTokens(http, credentials.ClientId, credentials.ClientSecret).GetAsync);
    }

    /// <summary>
    /// Reads the whole feed from the beginning, again until <paramref name="done"/>: the feed rightly holds changes back
    /// while an older transaction anywhere in the database cluster is open.
    /// </summary>
    private static async Task<List<ChangeFeedEntry>> ReadUntilAsync(ConsortiumClient client, Guid investigationId, Func<List<ChangeFeedEntry>, bool> done,
        IReadOnlyCollection<string>? types = null)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            var all = new List<ChangeFeedEntry>();
            await foreach (var entry in client.SyncAsync(new SyncOptions { InvestigationId = investigationId, Types = types, PageSize = 11 }, timeout.Token))
            {
                all.Add(entry);
            }
            if (done(all))
            {
                return all;
            }
            await Task.Delay(100, timeout.Token);
        }
    }
}
