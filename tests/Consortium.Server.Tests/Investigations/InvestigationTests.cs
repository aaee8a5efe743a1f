using System.Net;

namespace Consortium.Server.Tests.Investigations;

[Collection(PlatformCollection.Name)]
public sealed class InvestigationTests(ConsortiumServer server) : ServerTest(server)
{
    [Fact]
    public async Task Creator_outlet_coordinates_and_member_outlets_see_the_investigation()
    {
        var created = await Server.ClientFor("ines@alpha").CreateInvestigationAsync(new NewInvestigation("Nightjar", "Leaked list", ["bravo"]));
        await GivenMemberAsync(created.Id, "tom@bravo", InvestigationRole.Reporter);

        Assert.Equal("alpha", created.CoordinatorOutletId);
        Assert.Equal(["bravo", "alpha"], created.MemberOutletIds);
        var seenByBravo = await Server.ClientFor("tom@bravo").ListInvestigationsAsync();
        Assert.Equal(created.Id, Assert.Single(seenByBravo).Id);
    }

    [Fact]
    public async Task Outlet_that_is_not_a_member_neither_lists_nor_finds_the_investigation()
    {
        var created = await Server.ClientFor("ines@alpha").CreateInvestigationAsync(new NewInvestigation("Nightjar", "", ["bravo"]));
        var charlie = Server.ClientFor("carl@charlie");

        Assert.Empty(await charlie.ListInvestigationsAsync());
        var error = await Assert.ThrowsAsync<ConsortiumProblemException>(() => charlie.GetInvestigationAsync(created.Id));
        Assert.Equal(HttpStatusCode.NotFound, error.Status);
        // Same answer as for an id that never existed: nothing tells charlie the investigation exists.
        var missing = await Assert.ThrowsAsync<ConsortiumProblemException>(() => charlie.GetInvestigationAsync(Guid.NewGuid()));
        Assert.Equal((error.Status, error.Title, error.Detail), (missing.Status, missing.Title, missing.Detail));
    }

    [Fact]
    public async Task Investigation_needs_a_name_and_known_outlets()
    {
        var alpha = Server.ClientFor("ines@alpha");
        var error = await Assert.ThrowsAsync<ConsortiumProblemException>(() => alpha.CreateInvestigationAsync(new NewInvestigation(" ", "", ["nobody"])));
        Assert.Equal(HttpStatusCode.BadRequest, error.Status);
        Assert.Empty(await alpha.ListInvestigationsAsync());
    }
}
