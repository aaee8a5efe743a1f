using System.Net;
using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace Consortium.Server.Tests.Annotations;

[Collection(AnnotationsCollection.Name)]
public sealed class LiveAnnotationTests(ConsortiumServer server) : ServerTest(server)
{
    private static readonly TimeSpan PushTimeout = TimeSpan.FromSeconds(10);

    private async Task<RecordView> GivenRecordAsync()
    {
        var (_, dataset) = await GivenInvestigationWithDatasetAsync("phone,country\n07700 900001,GB\n07700 900002,GB\n");
        return (await Server.ClientFor("ines@alpha").ListRecordsAsync(dataset.Id)).Items[0];
    }

    /// <summary>A hub connection of <paramref name="user"/> that joined the record's group, with every push it receives.</summary>
    private async Task<(HubConnection Connection, ChannelReader<AnnotationView> Pushes)> ListenAsync(string user, Guid recordId)
    {
        var connection = Server.ClientFor(user).CreateHubConnection();
        var pushes = LivePushes.Items(connection, addedOnly: true);
        await connection.StartAsync();
        await connection.InvokeAsync(HubMethods.JoinRecord, recordId);
        return (connection, pushes);
    }

    [Fact]
    public async Task Note_is_stored_and_listed_with_its_author_and_sequence()
    {
        var record = await GivenRecordAsync();
        var bravo = Server.ClientFor("tom.ellery@bravo");

        var added = await bravo.AddNoteAsync(record.Id, new NewNote("Belongs to a journalist in Rabat."));

        var listed = Assert.Single(await Server.ClientFor("ines@alpha").ListAnnotationsAsync(record.Id));
        Assert.Equal(added, listed);
        Assert.Equal(("Tom Ellery", "bravo", Visibility.Consortium), (listed.AuthorName, listed.OutletId, listed.Visibility));
        Assert.True(listed.Sequence > 0);
    }

    [Fact]
    public async Task Consortium_note_is_pushed_live_to_a_partner_watching_the_record()
    {
        var record = await GivenRecordAsync();
        var (connection, pushes) = await ListenAsync("ines@alpha", record.Id);
        await using var _ = connection;

        var added = await Server.ClientFor("tom@bravo").AddNoteAsync(record.Id, new NewNote("Number confirmed by the carrier."));

        using var timeout = new CancellationTokenSource(PushTimeout);
        var pushed = await pushes.ReadAsync(timeout.Token);
        Assert.Equal(added, pushed);
    }

    [Fact]
    public async Task Outlet_only_and_private_notes_reach_only_those_allowed_to_read_them()
    {
        var record = await GivenRecordAsync();
        var (alphaColleague, alphaPushes) = await ListenAsync("marie@alpha", record.Id);
        var (author, authorPushes) = await ListenAsync("ines@alpha", record.Id);
        var (partner, partnerPushes) = await ListenAsync("tom@bravo", record.Id);
        await using var a = alphaColleague;
        await using var b = author;
        await using var c = partner;
        var ines = Server.ClientFor("ines@alpha");

        var outletOnly = await ines.AddNoteAsync(record.Id, new NewNote("Our source says so.", Visibility.Outlet));
        var personal = await ines.AddNoteAsync(record.Id, new NewNote("Call back Tuesday.", Visibility.Private));
        // A consortium-wide note last: once the partner has it, anything meant for it would have arrived before.
        var shared = await ines.AddNoteAsync(record.Id, new NewNote("Shared finding."));

        using var timeout = new CancellationTokenSource(PushTimeout);
        Assert.Equal(shared.Id, (await partnerPushes.ReadAsync(timeout.Token)).Id);
        Assert.Equal([outletOnly.Id, shared.Id], [(await alphaPushes.ReadAsync(timeout.Token)).Id, (await alphaPushes.ReadAsync(timeout.Token)).Id]);
        Assert.Equal([outletOnly.Id, personal.Id, shared.Id],
            [(await authorPushes.ReadAsync(timeout.Token)).Id, (await authorPushes.ReadAsync(timeout.Token)).Id, (await authorPushes.ReadAsync(timeout.Token)).Id]);
        Assert.False(partnerPushes.TryRead(out _));
        Assert.False(alphaPushes.TryRead(out _));

        Assert.Equal([shared.Id], (await Server.ClientFor("tom@bravo").ListAnnotationsAsync(record.Id)).Select(n => n.Id));
        Assert.Equal([outletOnly.Id, shared.Id], (await Server.ClientFor("marie@alpha").ListAnnotationsAsync(record.Id)).Select(n => n.Id));
        Assert.Equal([outletOnly.Id, personal.Id, shared.Id], (await ines.ListAnnotationsAsync(record.Id)).Select(n => n.Id));
    }

    [Fact]
    public async Task Outlet_that_may_not_see_the_record_cannot_join_its_live_group()
    {
        var record = await GivenRecordAsync();
        await using var connection = Server.ClientFor("carl@charlie").CreateHubConnection();
        await connection.StartAsync();

        var error = await Assert.ThrowsAsync<HubException>(() => connection.InvokeAsync(HubMethods.JoinRecord, record.Id));
        var unknown = await Assert.ThrowsAsync<HubException>(() => connection.InvokeAsync(HubMethods.JoinRecord, Guid.NewGuid()));

        Assert.Equal(unknown.Message, error.Message);
    }

    [Fact]
    public async Task Hub_refuses_connections_without_identity()
    {
        await using var connection = new HubConnectionBuilder().WithUrl(new Uri(Server.BaseAddress, "hubs/consortium")).Build();
        var error = await Assert.ThrowsAsync<HttpRequestException>(() => connection.StartAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, error.StatusCode);
    }

    [Fact]
    public async Task Note_with_script_is_stored_exactly_as_written()
    {
        var record = await GivenRecordAsync();
        const string text = "<script>alert('x')</script><img src=x onerror=alert(1)> **bold**";

        await Server.ClientFor("tom@bravo").AddNoteAsync(record.Id, new NewNote(text));

        Assert.Equal(text, Assert.Single(await Server.ClientFor("ines@alpha").ListAnnotationsAsync(record.Id)).Text);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public async Task Empty_note_is_refused_and_nothing_is_stored(string text)
    {
        var record = await GivenRecordAsync();
        var bravo = Server.ClientFor("tom@bravo");

        var error = await Assert.ThrowsAsync<ConsortiumProblemException>(() => bravo.AddNoteAsync(record.Id, new NewNote(text)));

        Assert.Equal(HttpStatusCode.BadRequest, error.Status);
        Assert.Empty(await bravo.ListAnnotationsAsync(record.Id));
    }

    [Fact]
    public async Task Note_on_a_record_of_another_investigation_is_not_found_and_not_stored()
    {
        var record = await GivenRecordAsync();
        var charlie = Server.ClientFor("carl@charlie");

        var error = await Assert.ThrowsAsync<ConsortiumProblemException>(() => charlie.AddNoteAsync(record.Id, new NewNote("Probe")));

        Assert.Equal(HttpStatusCode.NotFound, error.Status);
        Assert.Empty(await Server.ClientFor("ines@alpha").ListAnnotationsAsync(record.Id));
    }
}
