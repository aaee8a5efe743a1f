using System.Net;
using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Consortium.Server.Tests.Annotations;

[Collection(AnnotationsCollection.Name)]
public sealed class AnnotationKindsAndFeedTests(ConsortiumServer server) : ServerTest(server)
{
    private static readonly TimeSpan PushTimeout = TimeSpan.FromSeconds(10);
    private static readonly string[] Writers = ["ines@alpha", "marie@alpha", "tom@bravo", "tom.ellery@bravo", "lena@lab"];

    private async Task<(InvestigationView Investigation, RecordView Record)> GivenRecordAsync(IReadOnlyList<string>? compartment = null)
    {
        var (investigation, dataset) = await GivenInvestigationWithDatasetAsync("phone,country\n07700 900001,GB\n07700 900002,GB\n", compartment);
        return (investigation, (await Server.ClientFor("ines@alpha").ListRecordsAsync(dataset.Id)).Items[0]);
    }

    private async Task<(HubConnection Connection, ChannelReader<AnnotationView> Pushes)> FollowAsync(string user, Guid investigationId)
    {
        var connection = Server.ClientFor(user).CreateHubConnection();
        var pushes = LivePushes.Items(connection);
        await connection.StartAsync();
        await connection.InvokeAsync(HubMethods.JoinInvestigationAnnotations, investigationId);
        return (connection, pushes);
    }

    /// <summary>
    /// The feed from <paramref name="cursor"/>, read again from where it stopped until it holds at least
    /// <paramref name="atLeast"/> entries: the feed rightly holds changes back while any older writing transaction of
    /// the database is still open (a background sealer's, say).
    /// </summary>
    private static async Task<List<ChangeEntry>> ReadFeedAsync(ConsortiumClient client, Guid investigationId, string? cursor = null, int atLeast = 0)
    {
        var entries = new List<ChangeEntry>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            var page = await client.ReadChangesAsync(investigationId, cursor, cancellationToken: timeout.Token);
            entries.AddRange(page.Items);
            cursor = page.Cursor;
            if (!page.HasMore && entries.Count >= atLeast)
            {
                return entries;
            }
            if (!page.HasMore)
            {
                await Task.Delay(50, timeout.Token);
            }
        }
    }

    [Fact]
    public async Task Named_partner_note_reaches_the_author_outlet_and_the_named_partner_and_no_one_else()
    {
        var (investigation, record) = await GivenRecordAsync();
        var (alpha, alphaPushes) = await FollowAsync("marie@alpha", investigation.Id);
        var (bravo, bravoPushes) = await FollowAsync("tom@bravo", investigation.Id);
        var (lab, labPushes) = await FollowAsync("lena@lab", investigation.Id);
        await using var a = alpha;
        await using var b = bravo;
        await using var l = lab;
        var ines = Server.ClientFor("ines@alpha");

        var partners = await ines.AddNoteAsync(record.Id, new NewNote("For the lab's eyes too.", Visibility.Partners, ["lab"]));
        var shared = await ines.AddNoteAsync(record.Id, new NewNote("Everyone."));

        using var timeout = new CancellationTokenSource(PushTimeout);
        Assert.Equal([partners.Id, shared.Id], [(await alphaPushes.ReadAsync(timeout.Token)).Id, (await alphaPushes.ReadAsync(timeout.Token)).Id]);
        Assert.Equal([partners.Id, shared.Id], [(await labPushes.ReadAsync(timeout.Token)).Id, (await labPushes.ReadAsync(timeout.Token)).Id]);
        Assert.Equal(shared.Id, (await bravoPushes.ReadAsync(timeout.Token)).Id);
        Assert.False(bravoPushes.TryRead(out _));

        Assert.Equal(["lab"], partners.SharedWithOutletIds);
        Assert.Equal([shared.Id], (await ReadFeedAsync(Server.ClientFor("tom@bravo"), investigation.Id, atLeast: 1)).Select(e => e.Annotation.Id));
        Assert.Equal([partners.Id, shared.Id], (await ReadFeedAsync(Server.ClientFor("lena@lab"), investigation.Id, atLeast: 2)).Select(e => e.Annotation.Id));
        Assert.Equal([shared.Id], (await Server.ClientFor("tom@bravo").ListAnnotationsAsync(record.Id)).Select(n => n.Id));
        var hidden = await Assert.ThrowsAsync<ConsortiumProblemException>(() => Server.ClientFor("tom@bravo").GetAnnotationAsync(partners.Id));
        Assert.Equal(HttpStatusCode.NotFound, hidden.Status);
    }

    [Fact]
    public async Task Partner_note_naming_an_outlet_outside_the_investigation_is_refused_and_not_stored()
    {
        var (_, record) = await GivenRecordAsync();
        var ines = Server.ClientFor("ines@alpha");

        var error = await Assert.ThrowsAsync<ConsortiumProblemException>(() => ines.AddNoteAsync(record.Id, new NewNote("Leak to charlie", Visibility.Partners, ["charlie"])));

        Assert.Equal(HttpStatusCode.BadRequest, error.Status);
        Assert.Empty(await ines.ListAnnotationsAsync(record.Id));
    }

    [Fact]
    public async Task Annotation_on_a_compartmented_record_reaches_only_outlets_inside_the_compartment()
    {
        var (investigation, record) = await GivenRecordAsync(compartment: ["alpha", "lab"]);
        var (bravo, bravoPushes) = await FollowAsync("tom@bravo", investigation.Id);
        var (lab, labPushes) = await FollowAsync("lena@lab", investigation.Id);
        await using var b = bravo;
        await using var l = lab;

        var note = await Server.ClientFor("ines@alpha").AddNoteAsync(record.Id, new NewNote("Inside the compartment."));

        using var timeout = new CancellationTokenSource(PushTimeout);
        Assert.Equal(note.Id, (await labPushes.ReadAsync(timeout.Token)).Id);
        Assert.False(bravoPushes.TryRead(out _));
        Assert.Single(await ReadFeedAsync(Server.ClientFor("lena@lab"), investigation.Id, atLeast: 1));
        Assert.Empty(await ReadFeedAsync(Server.ClientFor("tom@bravo"), investigation.Id));
        var verification = await Server.ClientFor("lena@lab").AddAnnotationAsync(record.Id, new NewAnnotation(AnnotationKinds.Verification));
        Assert.Empty(await Server.ClientFor("tom@bravo").ListVerificationsAsync(investigation.Id));
        Assert.Equal([verification.Id], (await Server.ClientFor("ines@alpha").ListVerificationsAsync(investigation.Id)).Select(v => v.Id));
    }

    [Fact]
    public async Task Concurrent_edits_one_wins_the_other_gets_409_with_the_current_state_and_nothing_is_overwritten()
    {
        var (_, record) = await GivenRecordAsync();
        var tom = Server.ClientFor("tom@bravo");
        var note = await tom.AddNoteAsync(record.Id, new NewNote("First draft"));

        var first = await tom.EditAnnotationAsync(note.Id, note.Version, new AnnotationChange(Text: "Second draft"));
        var conflict = await Assert.ThrowsAsync<AnnotationConflictException>(() => tom.EditAnnotationAsync(note.Id, note.Version, new AnnotationChange(Text: "Stale edit")));

        Assert.Equal(("Second draft", 2L), (conflict.Current.Text, conflict.Current.Version));
        Assert.Equal(first, conflict.Current);
        var history = await tom.GetAnnotationHistoryAsync(note.Id);
        Assert.Equal(["added", "edited"], history.Select(h => h.Change));
        Assert.Equal(["First draft", "Second draft"], history.Select(h => h.State.Text));
        Assert.Equal("Second draft", (await Server.ClientFor("ines@alpha").GetAnnotationAsync(note.Id)).Text);
    }

    [Fact]
    public async Task Parallel_edits_at_the_same_version_store_exactly_one()
    {
        var (_, record) = await GivenRecordAsync();
        var tom = Server.ClientFor("tom@bravo");
        var note = await tom.AddNoteAsync(record.Id, new NewNote("Draft"));

        var attempts = await Task.WhenAll(Enumerable.Range(0, 6).Select(async i =>
        {
            try
            {
                return (await tom.EditAnnotationAsync(note.Id, note.Version, new AnnotationChange(Text: $"Edit {i}"))).Text;
            }
            catch (AnnotationConflictException)
            {
                return null;
            }
        }));

        var winner = Assert.Single(attempts, t => t is not null);
        var history = await tom.GetAnnotationHistoryAsync(note.Id);
        Assert.Equal(2, history.Count);
        Assert.Equal(winner, history[^1].State.Text);
    }

    [Fact]
    public async Task Change_without_If_Match_is_refused_with_428()
    {
        var (_, record) = await GivenRecordAsync();
        var tom = Server.ClientFor("tom@bravo");
        var note = await tom.AddNoteAsync(record.Id, new NewNote("Draft"));

        using var request = new HttpRequestMessage(HttpMethod.Patch, $"api/annotations/{note.Id}") { Content = System.Net.Http.Json.JsonContent.Create(new AnnotationChange(Text: "x")) };
        using var response = await tom.SendAsync(request);

        Assert.Equal((HttpStatusCode)428, response.StatusCode);
        Assert.Equal("Draft", (await tom.GetAnnotationAsync(note.Id)).Text);
    }

    [Fact]
    public async Task Retracted_annotation_stays_marked_with_its_history_and_the_feed_carries_the_retraction()
    {
        var (investigation, record) = await GivenRecordAsync();
        var tom = Server.ClientFor("tom@bravo");
        var tag = await tom.AddAnnotationAsync(record.Id, new NewAnnotation(AnnotationKinds.Tag, Tag: "journalist"));

        var retracted = await tom.RetractAnnotationAsync(tag.Id, tag.Version, "wrong record");

        Assert.True(retracted.Retracted);
        var listed = Assert.Single(await Server.ClientFor("ines@alpha").ListAnnotationsAsync(record.Id));
        Assert.True(listed.Retracted);
        Assert.Equal(["added", "retracted"], (await tom.GetAnnotationHistoryAsync(tag.Id)).Select(h => h.Change));
        var feed = await ReadFeedAsync(Server.ClientFor("ines@alpha"), investigation.Id, atLeast: 2);
        Assert.Equal([(tag.Id, false), (tag.Id, true)], feed.Select(e => (e.Annotation.Id, e.Annotation.Retracted)));
        var error = await Assert.ThrowsAsync<ConsortiumProblemException>(() => Server.ClientFor("ines@alpha").EditAnnotationAsync(tag.Id, retracted.Version, new AnnotationChange(Tag: "x")));
        Assert.Equal(HttpStatusCode.Forbidden, error.Status);
    }

    [Fact]
    public async Task Verification_moves_step_by_step_forensic_steps_are_for_analysts_and_peer_review_for_another_analyst()
    {
        var (investigation, record) = await GivenRecordAsync();
        await GivenMemberAsync(investigation.Id, "ana@lab", InvestigationRole.Analyst);
        await GivenMemberAsync(investigation.Id, "ana2@lab", InvestigationRole.Analyst);
        var tom = Server.ClientFor("tom@bravo");
        var ana = Server.ClientFor("ana@lab");
        var v = await tom.AddAnnotationAsync(record.Id, new NewAnnotation(AnnotationKinds.Verification));
        Assert.Equal(VerificationStates.Unverified, v.Verification!.State);

        var skip = await Assert.ThrowsAsync<ConsortiumProblemException>(() => tom.MoveVerificationAsync(v.Id, v.Version, new VerificationChange(VerificationStates.Infected)));
        Assert.Equal(HttpStatusCode.BadRequest, skip.Status);
        v = await tom.MoveVerificationAsync(v.Id, v.Version, new VerificationChange(VerificationStates.Identified));
        v = await tom.MoveVerificationAsync(v.Id, v.Version, new VerificationChange(VerificationStates.ConsentObtained));
        var reporter = await Assert.ThrowsAsync<ConsortiumProblemException>(() => tom.MoveVerificationAsync(v.Id, v.Version, new VerificationChange(VerificationStates.ForensicsSubmitted)));
        Assert.Equal(HttpStatusCode.Forbidden, reporter.Status);
        v = await ana.MoveVerificationAsync(v.Id, v.Version, new VerificationChange(VerificationStates.ForensicsSubmitted, "MVT", "2026-11-01",
            [new EvidenceView("backup.tar.gz", new string('a', 64), 1024, "iTunes backup")]));
        v = await ana.MoveVerificationAsync(v.Id, v.Version, new VerificationChange(VerificationStates.Infected));
        var self = await Assert.ThrowsAsync<ConsortiumProblemException>(() => ana.MoveVerificationAsync(v.Id, v.Version, new VerificationChange(VerificationStates.PeerReviewed)));
        Assert.Equal(HttpStatusCode.Forbidden, self.Status);
        v = await Server.ClientFor("ana2@lab").MoveVerificationAsync(v.Id, v.Version, new VerificationChange(VerificationStates.PeerReviewed));

        var anaId = (await Server.Accounts.AccountAsync("ana@lab")).Id;
        Assert.Equal((VerificationStates.PeerReviewed, anaId, "MVT", "2026-11-01", 1), (v.Verification!.State, v.Verification.AnalystUserId, v.Verification.Tool, v.Verification.IndicatorSetVersion, v.Verification.Evidence!.Count));
        Assert.Equal(["added", "verification-identified", "verification-consent-obtained", "verification-forensics-submitted", "verification-infected", "verification-peer-reviewed"],
            (await tom.GetAnnotationHistoryAsync(v.Id)).Select(h => h.Change));
    }

    [Fact]
    public async Task Annotation_answers_list_the_verification_steps_each_caller_may_take_fewer_for_a_reporter_than_for_an_analyst()
    {
        var (investigation, record) = await GivenRecordAsync();
        await GivenMemberAsync(investigation.Id, "ana@lab", InvestigationRole.Analyst);
        await GivenMemberAsync(investigation.Id, "ana2@lab", InvestigationRole.Analyst);
        var tom = Server.ClientFor("tom@bravo");
        var ana = Server.ClientFor("ana@lab");
        var ana2 = Server.ClientFor("ana2@lab");
        var v = await tom.AddAnnotationAsync(record.Id, new NewAnnotation(AnnotationKinds.Verification));
        Assert.Equal([VerificationStates.Identified], v.Verification!.AllowedNextStates!);
        v = await tom.MoveVerificationAsync(v.Id, v.Version, new VerificationChange(VerificationStates.Identified));
        v = await tom.MoveVerificationAsync(v.Id, v.Version, new VerificationChange(VerificationStates.ConsentObtained));

        // At consent-obtained the machine goes on to forensics, which the reporter may not take and the analyst may.
        Assert.Equal([VerificationStates.ForensicsSubmitted], v.Verification!.NextStates!);
        Assert.Empty(v.Verification.AllowedNextStates!);
        Assert.Equal([VerificationStates.ForensicsSubmitted], (await ana.GetAnnotationAsync(v.Id)).Verification!.AllowedNextStates!);

        v = await ana.MoveVerificationAsync(v.Id, v.Version, new VerificationChange(VerificationStates.ForensicsSubmitted, "MVT"));
        Assert.Equal([VerificationStates.Infected, VerificationStates.Attempted, VerificationStates.Inconclusive, VerificationStates.NoEvidence], v.Verification!.AllowedNextStates!);
        v = await ana.MoveVerificationAsync(v.Id, v.Version, new VerificationChange(VerificationStates.Infected));

        // The peer review is another analyst's: not the one who recorded the result, not a reporter.
        Assert.Empty(v.Verification!.AllowedNextStates!);
        Assert.Equal([VerificationStates.PeerReviewed], (await ana2.GetAnnotationAsync(v.Id)).Verification!.AllowedNextStates!);
        Assert.Empty((await tom.GetAnnotationAsync(v.Id)).Verification!.AllowedNextStates!);
        Assert.Empty((await tom.ListVerificationsAsync(investigation.Id)).Single(a => a.Id == v.Id).Verification!.AllowedNextStates!);
        var fed = (await ReadFeedAsync(ana2, investigation.Id, atLeast: 5)).Last(e => e.Annotation.Id == v.Id).Annotation;
        Assert.Equal(VerificationStates.Infected, fed.Verification!.State);
        Assert.Equal([VerificationStates.PeerReviewed], fed.Verification.AllowedNextStates!);
    }

    [Fact]
    public async Task Comment_joins_a_thread_with_its_visibility_mentions_members_and_the_thread_is_assigned_and_resolved()
    {
        var (investigation, record) = await GivenRecordAsync();
        var ines = Server.ClientFor("ines@alpha");
        var marieId = (await Server.Accounts.AccountAsync("marie@alpha")).Id;
        var root = await ines.AddNoteAsync(record.Id, new NewNote("Outlet-only lead", Visibility.Outlet));

        var comment = await Server.ClientFor("marie@alpha").AddAnnotationAsync(record.Id,
            new NewAnnotation(AnnotationKinds.Comment, $"@{marieId} checking, cc @nobody", Visibility.Consortium, ParentId: root.Id));
        var assigned = await ines.AssignAnnotationAsync(root.Id, root.Version, marieId);
        var resolved = await ines.ResolveAnnotationAsync(root.Id, assigned.Version, true);

        Assert.Equal((Visibility.Outlet, root.Id), (comment.Visibility, comment.ParentId!.Value));
        Assert.Equal([marieId], comment.Mentions!);
        Assert.Equal((marieId, true), (resolved.AssigneeUserId, resolved.Resolved));
        Assert.DoesNotContain(comment.Id, (await Server.ClientFor("tom@bravo").ListAnnotationsAsync(record.Id)).Select(a => a.Id));
        var bravo = await Assert.ThrowsAsync<ConsortiumProblemException>(() => Server.ClientFor("tom@bravo").AssignAnnotationAsync(root.Id, resolved.Version, null));
        Assert.Equal(HttpStatusCode.NotFound, bravo.Status);
        var tomId = (await Server.Accounts.AccountAsync("tom@bravo")).Id;
        var stranger = await Assert.ThrowsAsync<ConsortiumProblemException>(() => ines.AssignAnnotationAsync(root.Id, resolved.Version, tomId));
        Assert.Equal(HttpStatusCode.BadRequest, stranger.Status);
        _ = investigation;
    }

    [Fact]
    public async Task A_transaction_left_open_in_another_database_of_the_same_server_does_not_hold_the_feed_back()
    {
        var (investigation, record) = await GivenRecordAsync();
        // A writing transaction in another database of the same PostgreSQL server (another consortium's, another test
        // suite's), left open while a note is written here.
        var elsewhere = new NpgsqlConnectionStringBuilder(Server.ConnectionString) { Database = "postgres" };
        await using var other = new NpgsqlConnection(elsewhere.ConnectionString);
        await other.OpenAsync();
        await using var open = await other.BeginTransactionAsync();
        await using (var takeId = new NpgsqlCommand("select pg_current_xact_id()", other, open))
        {
            await takeId.ExecuteScalarAsync();
        }
        var note = await Server.ClientFor("ines@alpha").AddNoteAsync(record.Id, new NewNote("Written while another database's transaction is open"));

        // Before the horizon passed over other databases, this waited for the rollback below and timed out.
        var entries = await ReadFeedAsync(Server.ClientFor("lena@lab"), investigation.Id, atLeast: 1);
        Assert.Equal([note.Id], entries.Select(e => e.Annotation.Id));
        await open.RollbackAsync();
    }

    [Fact]
    public async Task Feed_never_skips_a_change_whose_transaction_commits_after_a_later_numbered_one()
    {
        var (investigation, record) = await GivenRecordAsync();
        var tom = Server.ClientFor("tom@bravo");
        var ines = Server.ClientFor("ines@alpha");
        var slow = await tom.AddNoteAsync(record.Id, new NewNote("Will be edited slowly"));
        var reader = Server.ClientFor("lena@lab");
        var cursor = (await ReadFeedAsync(reader, investigation.Id, atLeast: 1))[^1].Cursor;

        // Hold the annotation's read-model row: the edit takes its sequence number and writes its event, then waits.
        await using var blocker = new NpgsqlConnection(Server.ConnectionString);
        await blocker.OpenAsync();
        await using var hold = await blocker.BeginTransactionAsync();
        await using (var lockRow = new NpgsqlCommand("select 1 from consortium.mt_doc_annotation where id = $1 for update", blocker, hold) { Parameters = { new() { Value = slow.Id } } })
        {
            await lockRow.ExecuteNonQueryAsync();
        }
        var slowEdit = tom.EditAnnotationAsync(slow.Id, slow.Version, new AnnotationChange(Text: "Edited slowly"));
        await WaitUntilAsync(async () =>
        {
            await using var probe = new NpgsqlConnection(Server.ConnectionString);
            await probe.OpenAsync();
            await using var waiting = new NpgsqlCommand("select count(*) from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and backend_xid is not null", probe);
            return (long)(await waiting.ExecuteScalarAsync())! > 0;
        });
        var fast = await ines.AddNoteAsync(record.Id, new NewNote("Committed first, numbered later"));

        // The later-numbered change is committed and readable, but the feed holds it back behind the open transaction.
        Assert.Equal(fast.Id, (await reader.GetAnnotationAsync(fast.Id)).Id);
        var during = await reader.ReadChangesAsync(investigation.Id, cursor);
        Assert.Empty(during.Items);

        await hold.RollbackAsync();
        var edited = await slowEdit;
        Assert.True(edited.Sequence < fast.Sequence, "the edit took its number before the fast note and committed after it");
        var after = await ReadFeedAsync(reader, investigation.Id, during.Cursor, atLeast: 2);
        Assert.Equal([(slow.Id, 2L), (fast.Id, 1L)], after.Select(e => (e.Annotation.Id, e.Annotation.Version)));
    }

    [Fact]
    public async Task Burst_of_500_from_concurrent_writers_converges_exactly_for_a_resuming_feed_reader_and_a_live_follower_that_was_disconnected()
    {
        var (investigation, record) = await GivenRecordAsync();
        var lab = Server.ClientFor("lena@lab");
        var labId = (await Server.Accounts.AccountAsync("lena@lab")).Id;
        await using var live = new LiveAnnotations(lab, investigation.Id);
        await live.StartAsync();
        var writers = Writers.Select(Server.ClientFor).ToArray();
        var feedSeen = new List<ChangeEntry>();
        string? cursor = null;
        var disconnected = false;

        var burst = Task.WhenAll(writers.Select((writer, w) => Task.Run(async () =>
        {
            var mine = new List<AnnotationView>();
            for (var i = 0; i < 100; i++)
            {
                // One in ten is outlet-only, so the lab sees only what it may.
                var visibility = i % 10 == 0 ? Visibility.Outlet : Visibility.Consortium;
                mine.Add(await writer.AddNoteAsync(record.Id, new NewNote($"writer {w} note {i}", visibility)));
            }
            return mine;
        })));
        // A sync client reading while the burst runs, resuming from its cursor each time as after a disconnect.
        while (!burst.IsCompleted)
        {
            var page = await lab.ReadChangesAsync(investigation.Id, cursor, limit: 37);
            feedSeen.AddRange(page.Items);
            cursor = page.Cursor;
            if (!disconnected && feedSeen.Count > 100)
            {
                // The server drops the live follower's connection mid-burst; its client reconnects by itself.
                disconnected = Server.Services.GetRequiredService<Consortium.Server.LiveUpdates.LiveConnections>().CloseAllOf(labId) > 0;
            }
        }
        var written = (await burst).SelectMany(m => m).ToList();
        var expected = written.Where(a => a.Visibility == Visibility.Consortium || a.OutletId == "lab").Select(a => a.Id).Order().ToList();
        feedSeen.AddRange(await ReadFeedAsync(lab, investigation.Id, cursor, atLeast: expected.Count - feedSeen.Count));
        Assert.Equal(500, written.Count);
        Assert.True(disconnected);
        Assert.Equal(expected, feedSeen.Select(e => e.Annotation.Id).Order().ToList());
        // The live follower converges by itself (pushes, the reconnect's catch-up, the catch-up after the last pushes).
        await WaitUntilAsync(() => Task.FromResult(live.Annotations.Count >= expected.Count));
        Assert.Equal(expected, live.Annotations.Keys.Order().ToList());
        Assert.True(live.Reconnects >= 1);
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (!await condition())
        {
            await Task.Delay(20, timeout.Token);
        }
    }
}
