using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR.Client;

namespace Consortium.Server.Tests.Annotations;

/// <summary>Issue 17, item 2: a reply in a partners thread is read by exactly the thread's audience.</summary>
[Collection(AnnotationsCollection.Name)]
public sealed class ReplyAudienceTests(ConsortiumServer server) : ServerTest(server)
{
    private static readonly TimeSpan Soon = TimeSpan.FromSeconds(10);

    private async Task<(HubConnection Connection, ChannelReader<AnnotationView> Pushes)> FollowAsync(string user, Guid investigationId)
    {
        var connection = Server.ClientFor(user).CreateHubConnection();
        var pushes = LivePushes.Items(connection, addedOnly: true);
        await connection.StartAsync();
        await connection.InvokeAsync(HubMethods.JoinInvestigationAnnotations, investigationId);
        return (connection, pushes);
    }

    private static async Task<List<ChangeEntry>> FeedUntilAsync(ConsortiumClient client, Guid investigationId, Func<List<ChangeEntry>, bool> done)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var entries = new List<ChangeEntry>();
        string? cursor = null;
        while (true)
        {
            var page = await client.ReadChangesAsync(investigationId, cursor, cancellationToken: timeout.Token);
            entries.AddRange(page.Items);
            cursor = page.Cursor;
            if (!page.HasMore && done(entries))
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
    public async Task Partners_reply_reaches_the_thread_authors_outlet_in_list_feed_push_and_inbox_and_nobody_outside_the_thread()
    {
        var (investigation, dataset) = await GivenInvestigationWithDatasetAsync("phone,country\n07700 900001,GB\n");
        var record = (await Server.ClientFor("ines@alpha").ListRecordsAsync(dataset.Id)).Items[0];
        var (alpha, alphaPushes) = await FollowAsync("ines@alpha", investigation.Id);
        var (bravo, bravoPushes) = await FollowAsync("tom@bravo", investigation.Id);
        await using var _ = alpha;
        await using var __ = bravo;

        // Outlet alpha shares a note with the lab only; the lab answers in its thread.
        var thread = await Server.ClientFor("marie@alpha").AddAnnotationAsync(record.Id,
            new NewAnnotation(AnnotationKinds.Note, "Seen with the minister's aide", Visibility.Partners, ["lab"]));
        var reply = await Server.ClientFor("lena@lab").AddAnnotationAsync(record.Id,
            new NewAnnotation(AnnotationKinds.Comment, "Our traces agree", ParentId: thread.Id));

        Assert.Equal(Visibility.Partners, reply.Visibility);
        Assert.Equal(["alpha"], reply.SharedWithOutletIds!);
        // The list: the thread's author outlet reads the answer; an outlet outside the thread reads neither.
        Assert.Contains(await Server.ClientFor("ines@alpha").ListAnnotationsAsync(record.Id), a => a.Id == reply.Id);
        Assert.Contains(await Server.ClientFor("lena@lab").ListAnnotationsAsync(record.Id), a => a.Id == reply.Id);
        Assert.DoesNotContain(await Server.ClientFor("tom@bravo").ListAnnotationsAsync(record.Id), a => a.Id == reply.Id || a.Id == thread.Id);
        // The hub.
        using (var timeout = new CancellationTokenSource(Soon))
        {
            Assert.Equal(thread.Id, (await alphaPushes.ReadAsync(timeout.Token)).Id);
            Assert.Equal(reply.Id, (await alphaPushes.ReadAsync(timeout.Token)).Id);
        }
        // The feed.
        var alphaFeed = await FeedUntilAsync(Server.ClientFor("ines@alpha"), investigation.Id, e => e.Any(x => x.Annotation.Id == reply.Id));
        Assert.Contains(alphaFeed, e => e.Annotation.Id == reply.Id && e.Annotation.Text == "Our traces agree");
        // The inbox of the thread's author.
        Assert.Contains(await Server.ClientFor("marie@alpha").ListInboxAsync(), n => n.AnnotationId == reply.Id && n.Reason == NotificationReasons.Reply);
        // Bravo heard nothing of either, and its feed carries neither (a later consortium note marks the feed's end).
        var marker = await Server.ClientFor("ines@alpha").AddNoteAsync(record.Id, new NewNote("marker"));
        using (var timeout = new CancellationTokenSource(Soon))
        {
            Assert.Equal(marker.Id, (await bravoPushes.ReadAsync(timeout.Token)).Id);
        }
        var bravoFeed = await FeedUntilAsync(Server.ClientFor("tom@bravo"), investigation.Id, e => e.Any(x => x.Annotation.Id == marker.Id));
        Assert.DoesNotContain(bravoFeed, e => e.Annotation.Id == reply.Id || e.Annotation.Id == thread.Id);
    }
}
