using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR.Client;

namespace Consortium.Server.Tests.Annotations;

[Collection(AnnotationsCollection.Name)]
public sealed class PresenceAndInboxTests(ConsortiumServer server) : ServerTest(server)
{
    private static readonly TimeSpan PushTimeout = TimeSpan.FromSeconds(10);

    private async Task<(InvestigationView Investigation, RecordView Record)> GivenRecordAsync()
    {
        var (investigation, dataset) = await GivenInvestigationWithDatasetAsync("phone,country\n07700 900001,GB\n");
        return (investigation, (await Server.ClientFor("ines@alpha").ListRecordsAsync(dataset.Id)).Items[0]);
    }

    private static async Task<T> NextMatchingAsync<T>(ChannelReader<T> reader, Func<T, bool> match)
    {
        using var timeout = new CancellationTokenSource(PushTimeout);
        while (true)
        {
            var item = await reader.ReadAsync(timeout.Token);
            if (match(item))
            {
                return item;
            }
        }
    }

    [Fact]
    public async Task Viewers_of_a_record_see_who_from_which_outlet_is_looking_and_when_they_leave()
    {
        var (_, record) = await GivenRecordAsync();
        var presence = Channel.CreateUnbounded<PresenceView>();
        await using var ines = Server.ClientFor("ines@alpha").CreateHubConnection();
        using var inesPresence = new LivePresence(ines);
        inesPresence.Changed += p => presence.Writer.TryWrite(p);
        await ines.StartAsync();
        await ines.InvokeAsync(HubMethods.JoinRecord, record.Id);
        var tom = Server.ClientFor("tom@bravo").CreateHubConnection();
        await tom.StartAsync();

        await tom.InvokeAsync(HubMethods.JoinRecord, record.Id);
        var both = await NextMatchingAsync(presence.Reader, p => p.Viewers.Count == 2);
        Assert.Equal(["alpha", "bravo"], both.Viewers.Select(v => v.OutletId).Order());

        await tom.DisposeAsync();
        var alone = await NextMatchingAsync(presence.Reader, p => p.Viewers.Count == 1);
        Assert.Equal("alpha", Assert.Single(alone.Viewers).OutletId);
    }

    /// <summary>
    /// Every presence message a connection gets, in order, as text: "list of R: a,b" (user ids sorted), "arrived on R: a",
    /// "left R: a". A connection's messages arrive in the order the server sent them, so a sequence read here is exact.
    /// </summary>
    private static ChannelReader<string> PresenceMessagesOf(HubConnection connection)
    {
        var messages = Channel.CreateUnbounded<string>();
        connection.On<PresenceView>(nameof(IConsortiumClient.PresenceChanged), p => messages.Writer.TryWrite($"list of {p.RecordId}: {string.Join(',', p.Viewers.Select(v => v.UserId).Order())}"));
        connection.On<PresenceChange>(nameof(IConsortiumClient.ViewerArrived), c => messages.Writer.TryWrite($"arrived on {c.RecordId}: {c.UserId}"));
        connection.On<PresenceChange>(nameof(IConsortiumClient.ViewerLeft), c => messages.Writer.TryWrite($"left {c.RecordId}: {c.UserId}"));
        return messages.Reader;
    }

    private static async Task<string[]> NextAsync(ChannelReader<string> messages, int count)
    {
        var read = new string[count];
        for (var i = 0; i < count; i++)
        {
            read[i] = await NextMatchingAsync(messages, _ => true);
        }
        return read;
    }

    private static string ListOf(Guid recordId, params string[] userIds) => $"list of {recordId}: {string.Join(',', userIds.Order())}";

    [Fact]
    public async Task A_late_joiner_gets_the_whole_list_and_those_already_there_get_only_its_arrival_and_departure()
    {
        var (_, record) = await GivenRecordAsync();
        var ines = (await Server.Accounts.AccountAsync("ines@alpha")).Id;
        var marie = (await Server.Accounts.AccountAsync("marie@alpha")).Id;
        var tom = (await Server.Accounts.AccountAsync("tom@bravo")).Id;
        await using var inesHub = Server.ClientFor("ines@alpha").CreateHubConnection();
        var inesSees = PresenceMessagesOf(inesHub);
        await using var marieHub = Server.ClientFor("marie@alpha").CreateHubConnection();
        var marieSees = PresenceMessagesOf(marieHub);
        await using var tomHub = Server.ClientFor("tom@bravo").CreateHubConnection();
        var tomSees = PresenceMessagesOf(tomHub);
        foreach (var connection in new[] { inesHub, marieHub, tomHub })
        {
            await connection.StartAsync();
        }

        await inesHub.InvokeAsync(HubMethods.JoinRecord, record.Id);
        await marieHub.InvokeAsync(HubMethods.JoinRecord, record.Id);
        await tomHub.InvokeAsync(HubMethods.JoinRecord, record.Id);
        await tomHub.InvokeAsync(HubMethods.LeaveRecord, record.Id);
        // Marie: the list as she found it, then tom's coming and going. Read before she goes: presence is sent without
        // waiting, so a connection closed right after tom left may never get his departure (once in CI).
        Assert.Equal([ListOf(record.Id, ines, marie), $"arrived on {record.Id}: {tom}", $"left {record.Id}: {tom}"], await NextAsync(marieSees, 3));
        await marieHub.StopAsync();

        // Ines, first: her own list, then one message of one person per arrival and departure, never a list again.
        Assert.Equal(
            [ListOf(record.Id, ines), $"arrived on {record.Id}: {marie}", $"arrived on {record.Id}: {tom}", $"left {record.Id}: {tom}", $"left {record.Id}: {marie}"],
            await NextAsync(inesSees, 5));
        await tomHub.InvokeAsync(HubMethods.JoinRecord, record.Id);
        Assert.Equal([$"arrived on {record.Id}: {tom}"], await NextAsync(inesSees, 1));
        // Tom, the late joiner from another outlet: everyone at once, nothing about his own arrival or departure, and
        // on joining again the list as it is then (marie gone).
        Assert.Equal([ListOf(record.Id, ines, marie, tom), ListOf(record.Id, ines, tom)], await NextAsync(tomSees, 2));
    }

    [Fact]
    public async Task A_second_tab_of_someone_already_there_is_no_arrival_and_only_their_last_tab_leaving_is_a_departure()
    {
        var (_, record) = await GivenRecordAsync();
        var ines = (await Server.Accounts.AccountAsync("ines@alpha")).Id;
        var marie = (await Server.Accounts.AccountAsync("marie@alpha")).Id;
        var tom = (await Server.Accounts.AccountAsync("tom@bravo")).Id;
        await using var inesHub = Server.ClientFor("ines@alpha").CreateHubConnection();
        var inesSees = PresenceMessagesOf(inesHub);
        await using var tomFirstTab = Server.ClientFor("tom@bravo").CreateHubConnection();
        await using var tomSecondTab = Server.ClientFor("tom@bravo").CreateHubConnection();
        var secondTabSees = PresenceMessagesOf(tomSecondTab);
        await using var marieHub = Server.ClientFor("marie@alpha").CreateHubConnection();
        foreach (var connection in new[] { inesHub, tomFirstTab, tomSecondTab, marieHub })
        {
            await connection.StartAsync();
        }

        await inesHub.InvokeAsync(HubMethods.JoinRecord, record.Id);
        await tomFirstTab.InvokeAsync(HubMethods.JoinRecord, record.Id);
        await tomSecondTab.InvokeAsync(HubMethods.JoinRecord, record.Id);
        await tomFirstTab.StopAsync();
        await marieHub.InvokeAsync(HubMethods.JoinRecord, record.Id);
        await tomSecondTab.InvokeAsync(HubMethods.LeaveRecord, record.Id);

        // One person, one entry: tom arrived once, and left when his last tab left, not when the first closed.
        Assert.Equal(
            [ListOf(record.Id, ines), $"arrived on {record.Id}: {tom}", $"arrived on {record.Id}: {marie}", $"left {record.Id}: {tom}"],
            await NextAsync(inesSees, 4));
        // The second tab got the list with tom once, then marie's arrival.
        Assert.Equal([ListOf(record.Id, ines, tom), $"arrived on {record.Id}: {marie}"], await NextAsync(secondTabSees, 2));
    }

    [Fact]
    public async Task Presence_of_a_restricted_record_reaches_only_those_who_may_see_it()
    {
        var (_, dataset) = await GivenInvestigationWithDatasetAsync("phone,country\n07700 900001,GB\n07700 900002,GB\n");
        var records = (await Server.ClientFor("ines@alpha").ListRecordsAsync(dataset.Id)).Items;
        var (restricted, open) = (records[0], records[1]);
        await Server.ClientFor("ines@alpha").SetRecordRestrictionAsync(restricted.Id, new OutletRestriction(["alpha"]));
        var ines = (await Server.Accounts.AccountAsync("ines@alpha")).Id;
        var marie = (await Server.Accounts.AccountAsync("marie@alpha")).Id;
        var tom = (await Server.Accounts.AccountAsync("tom@bravo")).Id;
        await using var inesHub = Server.ClientFor("ines@alpha").CreateHubConnection();
        var inesSees = PresenceMessagesOf(inesHub);
        await using var marieHub = Server.ClientFor("marie@alpha").CreateHubConnection();
        await using var tomHub = Server.ClientFor("tom@bravo").CreateHubConnection();
        var tomSees = PresenceMessagesOf(tomHub);
        foreach (var connection in new[] { inesHub, marieHub, tomHub })
        {
            await connection.StartAsync();
        }

        await inesHub.InvokeAsync(HubMethods.JoinRecord, restricted.Id);
        await Assert.ThrowsAsync<Microsoft.AspNetCore.SignalR.HubException>(() => tomHub.InvokeAsync(HubMethods.JoinRecord, restricted.Id));
        await tomHub.InvokeAsync(HubMethods.JoinRecord, open.Id);
        await marieHub.InvokeAsync(HubMethods.JoinRecord, restricted.Id);
        await marieHub.InvokeAsync(HubMethods.JoinRecord, open.Id);

        // Tom's refused join left no trace on the restricted record, and he hears only of the record he may see.
        Assert.Equal([ListOf(restricted.Id, ines), $"arrived on {restricted.Id}: {marie}"], await NextAsync(inesSees, 2));
        Assert.Equal([ListOf(open.Id, tom), $"arrived on {open.Id}: {marie}"], await NextAsync(tomSees, 2));
    }

    [Fact]
    public async Task Typing_in_an_outlet_only_thread_is_shown_to_that_outlet_only()
    {
        var (_, record) = await GivenRecordAsync();
        var root = await Server.ClientFor("ines@alpha").AddNoteAsync(record.Id, new NewNote("Outlet thread", Visibility.Outlet));
        var marieTyping = Channel.CreateUnbounded<TypingView>();
        var tomTyping = Channel.CreateUnbounded<TypingView>();
        await using var marie = Server.ClientFor("marie@alpha").CreateHubConnection();
        marie.On<TypingView>(nameof(IConsortiumClient.Typing), t => marieTyping.Writer.TryWrite(t));
        await using var tom = Server.ClientFor("tom@bravo").CreateHubConnection();
        tom.On<TypingView>(nameof(IConsortiumClient.Typing), t => tomTyping.Writer.TryWrite(t));
        await using var ines = Server.ClientFor("ines@alpha").CreateHubConnection();
        foreach (var connection in new[] { marie, tom, ines })
        {
            await connection.StartAsync();
            await connection.InvokeAsync(HubMethods.JoinRecord, record.Id);
        }

        await ines.InvokeAsync(HubMethods.StartTyping, record.Id, root.Id);
        var seen = await NextMatchingAsync(marieTyping.Reader, _ => true);

        Assert.Equal((root.Id, "alpha"), (seen.AnnotationId, seen.OutletId));
        await Assert.ThrowsAsync<Microsoft.AspNetCore.SignalR.HubException>(() => tom.InvokeAsync(HubMethods.StartTyping, record.Id, root.Id));
        // A consortium-wide round trip after the outlet-only one: the partner has everything meant for it by then.
        var shared = await Server.ClientFor("ines@alpha").AddNoteAsync(record.Id, new NewNote("Shared thread"));
        await ines.InvokeAsync(HubMethods.StartTyping, record.Id, shared.Id);
        Assert.Equal(shared.Id, (await NextMatchingAsync(tomTyping.Reader, _ => true)).AnnotationId);
    }

    [Fact]
    public async Task Mention_reply_assignment_and_verification_reach_the_inbox_live_and_never_someone_who_cannot_read_the_annotation()
    {
        var (investigation, record) = await GivenRecordAsync();
        await GivenMemberAsync(investigation.Id, "ana@lab", InvestigationRole.Analyst);
        var marieId = (await Server.Accounts.AccountAsync("marie@alpha")).Id;
        var tomId = (await Server.Accounts.AccountAsync("tom@bravo")).Id;
        var inbox = Channel.CreateUnbounded<NotificationView>();
        await using var marieLive = Server.ClientFor("marie@alpha").CreateHubConnection();
        marieLive.On<NotificationView>(nameof(IConsortiumClient.NotificationReceived), n => inbox.Writer.TryWrite(n));
        await marieLive.StartAsync();
        var ines = Server.ClientFor("ines@alpha");
        var marie = Server.ClientFor("marie@alpha");
        var tom = Server.ClientFor("tom@bravo");

        // Marie annotates (and so follows) the record; ines mentions her and tom in an outlet-only note.
        var verification = await marie.AddAnnotationAsync(record.Id, new NewAnnotation(AnnotationKinds.Verification));
        var mention = await ines.AddNoteAsync(record.Id, new NewNote($"@{marieId} and @{tomId}: look", Visibility.Outlet));
        var pushed = await NextMatchingAsync(inbox.Reader, _ => true);
        Assert.Equal((NotificationReasons.Mention, mention.Id), (pushed.Reason, pushed.AnnotationId));
        Assert.True(pushed.Sequence > 0);

        await tom.AddAnnotationAsync(record.Id, new NewAnnotation(AnnotationKinds.Comment, "Replying", ParentId: verification.Id));
        Assert.Equal(NotificationReasons.Reply, (await NextMatchingAsync(inbox.Reader, _ => true)).Reason);
        await ines.AssignAnnotationAsync(verification.Id, verification.Version, marieId);
        Assert.Equal(NotificationReasons.Assignment, (await NextMatchingAsync(inbox.Reader, _ => true)).Reason);
        var current = await ines.GetAnnotationAsync(verification.Id);
        await tom.MoveVerificationAsync(verification.Id, current.Version, new VerificationChange(VerificationStates.Identified));
        Assert.Equal(NotificationReasons.Verification, (await NextMatchingAsync(inbox.Reader, _ => true)).Reason);

        var listed = await marie.ListInboxAsync();
        Assert.Equal([NotificationReasons.Verification, NotificationReasons.Assignment, NotificationReasons.Reply, NotificationReasons.Mention], listed.Select(n => n.Reason));
        // Tom of bravo was mentioned in an alpha-only note: he may not read it, so he is not told.
        Assert.DoesNotContain(await tom.ListInboxAsync(), n => n.AnnotationId == mention.Id);
        var digest = await marie.GetDigestAsync();
        Assert.Contains("Mentions (1)", digest, StringComparison.Ordinal);
        Assert.DoesNotContain("look", digest, StringComparison.Ordinal);
    }
}
