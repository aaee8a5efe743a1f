using System.CommandLine;
using Consortium.Cli;

namespace Consortium.Server.Tests.Publication;

/// <summary>`consortium stories`, `embargo show|ack` and `calendar-url` as a partner's sync client runs them.</summary>
[Collection(PublicationCollection.Name)]
public sealed class PublicationCommandTests(PublicationServer server) : PublicationTest(server)
{
    [Fact]
    public async Task Stories_and_embargo_show_print_the_embargo_in_local_time_and_UTC_and_a_read_only_client_cannot_acknowledge()
    {
        var (investigation, _, _) = await GivenPlanAsync();
        var wave = await Ines.CreateWaveAsync(investigation.Id, new NewWave("Paris wave", new EmbargoInput("2027-03-29T18:00", "Europe/Paris")));
        var story = await Ines.CreateStoryAsync(investigation.Id, new NewStory(wave.Id, "Calendar story", "", "alpha", ["bravo"]));
        await Ines.LockEmbargoAsync(wave.Id);
        await Ines.MoveEmbargoAsync(wave.Id, new EmbargoMove(new EmbargoInput("2027-03-29T19:00", "Europe/Paris"), "Later print deadline"));
        await Server.Accounts.AccountAsync("adm@bravo", outletAdmin: true);
        var credentials = await Server.ClientFor("adm@bravo").RegisterSyncClientAsync(new NewSyncClient("bravo desk"));

        async Task<(int Exit, string Output)> RunAsync(params string[] arguments)
        {
            using var output = new StringWriter();
            var exit = await ConsortiumCommandLine.Root()
                .Parse(["--server", Server.BaseAddress.ToString(), "--client-id", credentials.ClientId, "--client-secret", credentials.ClientSecret, .. arguments])
                .InvokeAsync(new InvocationConfiguration { Output = output, Error = output });
            return (exit, output.ToString());
        }

        var (listed, stories) = await RunAsync("stories", "--zone", "Asia/Kolkata");
        Assert.True(listed == 0, stories);
        // Bravo is in London (BST from 28 March): 19:00 Paris is 18:00 there, 17:00 UTC, 22:30 in Kolkata.
        Assert.Contains("Calendar story", stories);
        Assert.Contains("2027-03-29 18:00 Europe/London (+01:00)", stories);
        Assert.Contains("2027-03-29 17:00 UTC", stories);
        Assert.Contains("2027-03-29 22:30 Asia/Kolkata (+05:30)", stories);

        var (shown, embargo) = await RunAsync("embargo", "show", "--story", story.Id.ToString());
        Assert.True(shown == 0, embargo);
        Assert.Contains("postponed", embargo);
        Assert.Contains("2027-03-29 19:00 Europe/Paris (+02:00)", embargo);
        Assert.Contains("not yet acknowledged bravo", embargo);

        // A sync client reads but acknowledges nothing: that is a person's act.
        var (acknowledged, _) = await RunAsync("embargo", "ack", "--story", story.Id.ToString());
        Assert.Equal(1, acknowledged);
        Assert.Contains((await Ines.GetStoryAsync(story.Id)).Acknowledgements, a => a.OutletId == "bravo" && !a.Acknowledged);

        // Nor does it mint a calendar URL: that lasting credential needs a person's recent sign-in.
        var (made, answer) = await RunAsync("calendar-url");
        Assert.True(made != 0, answer);
    }
}
