using System.Net;
using Duende.IdentityModel.Client;
using Microsoft.AspNetCore.SignalR.Client;

namespace Consortium.Server.Tests.Identity;

/// <summary>Access tokens open the API only when they were minted for it: its audience and its scope.</summary>
[Collection(IdentityCollection.Name)]
public sealed class TokenAudienceTests(ConsortiumServer server) : ServerTest(server)
{
    [Fact]
    public async Task A_token_signed_in_without_the_api_scope_is_refused_by_the_api_and_the_hub()
    {
        var idOnly = await Server.Accounts.SignInWithCodeFlowAsync("ines@alpha", scope: "openid profile");

        var refused = await Assert.ThrowsAsync<ConsortiumProblemException>(() => Server.ClientWithToken(idOnly.AccessToken!).GetMeAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, refused.Status);
        await using var hub = new HubConnectionBuilder()
            .WithUrl(new Uri(Server.BaseAddress, "hubs/consortium"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(idOnly.AccessToken))
            .Build();
        await Assert.ThrowsAnyAsync<Exception>(() => hub.StartAsync());
        // It still says who it belongs to, which is all it was asked for.
        using var http = Server.AnonymousClient();
        var userInfo = await http.GetUserInfoAsync(new UserInfoRequest { Address = new Uri(Server.BaseAddress, "connect/userinfo").ToString(), Token = idOnly.AccessToken });
        Assert.False(userInfo.IsError, userInfo.Error);
    }

    [Fact]
    public async Task A_token_with_the_api_scope_carries_the_api_audience_and_works()
    {
        var full = await Server.Accounts.SignInWithCodeFlowAsync("ines@alpha");

        Assert.Equal("Ines", (await Server.ClientWithToken(full.AccessToken!).GetMeAsync()).DisplayName);
    }
}
