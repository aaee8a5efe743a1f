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
        ines.On<PresenceView>(nameof(IConsortiumClient.PresenceChanged), p => presence.Writer.TryWrite(p));
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
