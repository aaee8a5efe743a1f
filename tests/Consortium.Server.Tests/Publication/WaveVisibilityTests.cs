namespace Consortium.Server.Tests.Publication;

/// <summary>Two stories in one wave: each story's participants see their own story's outlets, not the other's.</summary>
[Collection(PublicationCollection.Name)]
public sealed class WaveVisibilityTests(PublicationServer server) : PublicationTest(server)
{
    [Fact]
    public async Task A_participant_of_one_story_does_not_see_the_outlets_and_acknowledgements_of_another_story_in_the_same_wave()
    {
        var (investigation, wave, _) = await GivenPlanAsync();
        await Ines.CreateStoryAsync(investigation.Id, new NewStory(wave.Id, "The lab's analysis", "", "alpha", ["lab"]));
        await Ines.MoveEmbargoAsync(wave.Id, new EmbargoMove(new EmbargoInput(Local(Server.Clock.Now.AddHours(96)), "UTC"), "Later"));

        var seenByLena = await Server.ClientFor("lena@lab").GetWaveAsync(wave.Id);
        var seenByTom = await Server.ClientFor("tom@bravo").GetWaveAsync(wave.Id);
        var seenByInes = await Ines.GetWaveAsync(wave.Id);
        var lenasFeed = await Server.ClientFor("lena@lab").ReadPublicationChangesAsync(investigation.Id);
        var lenasPlan = await Server.ClientFor("lena@lab").GetPublicationPlanAsync(investigation.Id);

        Assert.Equal(["alpha", "lab"], seenByLena.ParticipantOutletIds);
        Assert.DoesNotContain(seenByLena.Acknowledgements, a => a.OutletId == "bravo");
        Assert.Equal(["alpha", "bravo"], seenByTom.ParticipantOutletIds);
        Assert.DoesNotContain(seenByTom.Acknowledgements, a => a.OutletId == "lab");
        Assert.Equal(["alpha", "bravo", "lab"], seenByInes.ParticipantOutletIds);
        Assert.Contains(seenByInes.Acknowledgements, a => a.OutletId == "bravo");
        Assert.Contains(seenByInes.Acknowledgements, a => a.OutletId == "lab");
        foreach (var view in lenasFeed.Items.Select(i => i.Wave).OfType<WaveView>().Concat(lenasPlan.Waves))
        {
            Assert.DoesNotContain("bravo", view.ParticipantOutletIds);
            Assert.DoesNotContain(view.Acknowledgements, a => a.OutletId == "bravo");
        }
        Assert.NotEmpty(lenasPlan.Waves);
    }
}
