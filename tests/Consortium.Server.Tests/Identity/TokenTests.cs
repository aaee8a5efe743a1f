using System.Net;
using Duende.IdentityModel.Client;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Consortium.Server.Tests.Identity;

/// <summary>The OpenID Connect server, exercised with an independent client library (Duende.IdentityModel).</summary>
[Collection(IdentityCollection.Name)]
public sealed class TokenTests(ConsortiumServer server) : ServerTest(server)
{
    private string TokenEndpoint => new Uri(Server.BaseAddress, "connect/token").ToString();

    private async Task<SyncClientCredentials> GivenSyncClientOfBravoAsync()
    {
        await Server.Accounts.AccountAsync("nadia@bravo", outletAdmin: true);
        return await Server.ClientFor("nadia@bravo").RegisterSyncClientAsync(new NewSyncClient("Bravo newsroom sync"));
    }

    [Fact]
    public async Task Discovery_document_advertises_code_flow_with_S256_PKCE_client_credentials_and_refresh()
    {
        using var http = Server.AnonymousClient();
        var discovery = await http.GetDiscoveryDocumentAsync(new DiscoveryDocumentRequest
        {
            Address = Server.BaseAddress.ToString(),
            Policy = { RequireHttps = false },
        });

        Assert.False(discovery.IsError, discovery.Error);
        Assert.Equal(TokenEndpoint, discovery.TokenEndpoint);
        Assert.Contains("authorization_code", discovery.GrantTypesSupported);
        Assert.Contains("client_credentials", discovery.GrantTypesSupported);
        Assert.Contains("refresh_token", discovery.GrantTypesSupported);
        Assert.DoesNotContain("password", discovery.GrantTypesSupported);
        Assert.Equal(["S256"], discovery.CodeChallengeMethodsSupported);
        Assert.NotNull(discovery.RevocationEndpoint);
        Assert.NotNull(discovery.IntrospectionEndpoint);
    }

    [Fact]
    public async Task Partner_sync_client_signs_in_with_client_credentials_and_reads_what_its_outlet_takes_part_in()
    {
        var (investigation, dataset) = await GivenInvestigationWithDatasetAsync("phone,country\n07700 900001,GB\n");
        var credentials = await GivenSyncClientOfBravoAsync();
        using var http = Server.AnonymousClient();

        var token = await http.RequestClientCredentialsTokenAsync(new ClientCredentialsTokenRequest
        {
            Address = TokenEndpoint,
            ClientId = credentials.ClientId,
            ClientSecret = credentials.ClientSecret,
            Scope = "consortium.api",
        });

        Assert.False(token.IsError, token.Error);
        var sync = Server.ClientWithToken(token.AccessToken!);
        Assert.Equal(investigation.Id, Assert.Single(await sync.ListInvestigationsAsync()).Id);
        var record = Assert.Single((await sync.ListRecordsAsync(dataset.Id)).Items);
        // It reads and syncs; it does not speak for a person.
        var error = await Assert.ThrowsAsync<ConsortiumProblemException>(() => sync.AddNoteAsync(record.Id, new NewNote("from a script")));
        Assert.Equal(HttpStatusCode.Forbidden, error.Status);
    }

    [Fact]
    public async Task Client_credentials_with_a_wrong_secret_get_no_token()
    {
        var credentials = await GivenSyncClientOfBravoAsync();
        using var http = Server.AnonymousClient();

        var token = await http.RequestClientCredentialsTokenAsync(new ClientCredentialsTokenRequest
        {
            Address = TokenEndpoint,
            ClientId = credentials.ClientId,
            ClientSecret = credentials.ClientSecret + "x",
            Scope = "consortium.api",
        });

        Assert.True(token.IsError);
        Assert.Equal(HttpStatusCode.Unauthorized, token.HttpStatusCode);
        Assert.Equal("invalid_client", token.Json?.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Refresh_token_rotates_and_a_revoked_one_stops_working()
    {
        var first = await Server.Accounts.SignInWithCodeFlowAsync("ines@alpha");
        using var http = Server.AnonymousClient();

        var refreshed = await http.RequestRefreshTokenAsync(new RefreshTokenRequest { Address = TokenEndpoint, ClientId = "consortium-cli", RefreshToken = first.RefreshToken! });
        Assert.False(refreshed.IsError, refreshed.Error);
        Assert.NotEqual(first.RefreshToken, refreshed.RefreshToken);
        Assert.Equal("Ines", (await Server.ClientWithToken(refreshed.AccessToken!).GetMeAsync()).DisplayName);

        var revoked = await http.RevokeTokenAsync(new TokenRevocationRequest
        {
            Address = new Uri(Server.BaseAddress, "connect/revoke").ToString(),
            ClientId = "consortium-cli",
            Token = refreshed.RefreshToken!,
            TokenTypeHint = "refresh_token",
        });
        Assert.False(revoked.IsError, revoked.Error);
        var afterRevocation = await http.RequestRefreshTokenAsync(new RefreshTokenRequest { Address = TokenEndpoint, ClientId = "consortium-cli", RefreshToken = refreshed.RefreshToken! });
        Assert.Equal("invalid_grant", afterRevocation.Error);
    }

    [Fact]
    public async Task An_access_token_in_use_stops_at_the_next_request_once_revoked()
    {
        // The server remembers what a token's cryptography proved between requests; revoking it must not wait for that.
        var signedIn = await Server.Accounts.SignInWithCodeFlowAsync("ines@alpha");
        var client = Server.ClientWithToken(signedIn.AccessToken!);
        Assert.Equal("Ines", (await client.GetMeAsync()).DisplayName);
        Assert.Equal("Ines", (await client.GetMeAsync()).DisplayName);
        using var http = Server.AnonymousClient();

        var revoked = await http.RevokeTokenAsync(new TokenRevocationRequest
        {
            Address = new Uri(Server.BaseAddress, "connect/revoke").ToString(),
            ClientId = "consortium-cli",
            Token = signedIn.AccessToken!,
            TokenTypeHint = "access_token",
        });

        Assert.False(revoked.IsError, revoked.Error);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Assert.ThrowsAsync<ConsortiumProblemException>(() => client.GetMeAsync())).Status);
    }

    [Fact]
    public async Task An_access_token_in_use_stops_at_the_next_request_once_its_account_is_disabled()
    {
        await Server.Accounts.AccountAsync("nadia@bravo", outletAdmin: true);
        var rita = await Server.Accounts.AccountAsync("rita.disabled@bravo");
        var signedIn = await Server.Accounts.SignInWithCodeFlowAsync("rita.disabled@bravo");
        var client = Server.ClientWithToken(signedIn.AccessToken!);
        Assert.Equal(rita.Id, (await client.GetMeAsync()).User);
        Assert.Equal(rita.Id, (await client.GetMeAsync()).User);

        await Server.ClientFor("nadia@bravo").DisableAccountAsync(rita.Id);

        Assert.Equal(HttpStatusCode.Unauthorized, (await Assert.ThrowsAsync<ConsortiumProblemException>(() => client.GetMeAsync())).Status);
    }

    [Fact]
    public async Task An_access_token_in_use_stops_once_its_authorization_is_revoked_though_its_own_entry_is_still_valid()
    {
        var account = await Server.Accounts.AccountAsync("omar.authorization@alpha");
        var signedIn = await Server.Accounts.SignInWithCodeFlowAsync("omar.authorization@alpha");
        var client = Server.ClientWithToken(signedIn.AccessToken!);
        Assert.Equal(account.Id, (await client.GetMeAsync()).User);
        Assert.Equal(account.Id, (await client.GetMeAsync()).User);

        await using (var scope = Server.Services.CreateAsyncScope())
        {
            var authorizations = scope.ServiceProvider.GetRequiredService<IOpenIddictAuthorizationManager>();
            var revoked = 0;
            await foreach (var authorization in authorizations.FindBySubjectAsync(account.Id))
            {
                Assert.True(await authorizations.TryRevokeAsync(authorization));
                revoked++;
            }
            Assert.True(revoked > 0);
            // Only the authorization says no: the access token's own entry is still valid.
            Assert.Contains(await AccessTokenStatusesAsync(scope.ServiceProvider, account.Id), status => status == Statuses.Valid);
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await Assert.ThrowsAsync<ConsortiumProblemException>(() => client.GetMeAsync())).Status);
    }

    [Fact]
    public async Task An_access_token_whose_entry_is_gone_is_refused()
    {
        var account = await Server.Accounts.AccountAsync("lena.pruned@bravo");
        var signedIn = await Server.Accounts.SignInWithCodeFlowAsync("lena.pruned@bravo");
        var client = Server.ClientWithToken(signedIn.AccessToken!);
        Assert.Equal(account.Id, (await client.GetMeAsync()).User);

        await using (var scope = Server.Services.CreateAsyncScope())
        {
            var tokens = scope.ServiceProvider.GetRequiredService<IOpenIddictTokenManager>();
            await foreach (var token in tokens.FindBySubjectAsync(account.Id))
            {
                if (await tokens.HasTypeAsync(token, TokenTypeIdentifiers.AccessToken))
                {
                    await tokens.DeleteAsync(token);
                }
            }
            Assert.Empty(await AccessTokenStatusesAsync(scope.ServiceProvider, account.Id));
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await Assert.ThrowsAsync<ConsortiumProblemException>(() => client.GetMeAsync())).Status);
    }

    private static async Task<List<string?>> AccessTokenStatusesAsync(IServiceProvider services, string subject)
    {
        var tokens = services.GetRequiredService<IOpenIddictTokenManager>();
        var statuses = new List<string?>();
        await foreach (var token in tokens.FindBySubjectAsync(subject))
        {
            if (await tokens.HasTypeAsync(token, TokenTypeIdentifiers.AccessToken))
            {
                statuses.Add(await tokens.GetStatusAsync(token));
            }
        }
        return statuses;
    }

    [Fact]
    public async Task Many_requests_at_once_with_one_token_each_see_the_caller()
    {
        // Each request gets its own copy of what the token proved: concurrent requests must not change each other's.
        var signedIn = await Server.Accounts.SignInWithCodeFlowAsync("tom@bravo");
        var client = Server.ClientWithToken(signedIn.AccessToken!);

        var answers = await Task.WhenAll(Enumerable.Range(0, 60).Select(_ => client.GetMeAsync()));

        Assert.All(answers, me => Assert.Equal(("bravo", "Tom"), (me.OutletId, me.DisplayName)));
    }

    [Fact]
    public async Task An_altered_copy_of_a_token_in_use_is_refused()
    {
        var token = await Server.Accounts.AccessTokenAsync("ines@alpha");
        Assert.Equal("Ines", (await Server.ClientWithToken(token).GetMeAsync()).DisplayName);
        // One character of the encrypted payload changed: the copy must be checked on its own, not matched to the original.
        var parts = token.Split('.');
        var payload = parts[3].ToCharArray();
        payload[payload.Length / 2] = payload[payload.Length / 2] == 'A' ? 'B' : 'A';
        parts[3] = new string(payload);

        var error = await Assert.ThrowsAsync<ConsortiumProblemException>(() => Server.ClientWithToken(string.Join('.', parts)).GetMeAsync());

        Assert.Equal(HttpStatusCode.Unauthorized, error.Status);
        Assert.Equal("Ines", (await Server.ClientWithToken(token).GetMeAsync()).DisplayName);
    }

    [Fact]
    public async Task Introspection_tells_a_sync_client_its_token_is_active_until_revoked()
    {
        var credentials = await GivenSyncClientOfBravoAsync();
        using var http = Server.AnonymousClient();
        var token = await http.RequestClientCredentialsTokenAsync(new ClientCredentialsTokenRequest
        {
            Address = TokenEndpoint, ClientId = credentials.ClientId, ClientSecret = credentials.ClientSecret, Scope = "consortium.api",
        });
        TokenIntrospectionRequest Introspection() => new()
        {
            Address = new Uri(Server.BaseAddress, "connect/introspect").ToString(),
            ClientId = credentials.ClientId,
            ClientSecret = credentials.ClientSecret,
            Token = token.AccessToken!,
        };

        Assert.True((await http.IntrospectTokenAsync(Introspection())).IsActive);
        await Server.ClientFor("nadia@bravo").Http.SendAsync(new HttpRequestMessage(HttpMethod.Delete, $"api/outlet/clients/{credentials.ClientId}")
        {
            Headers = { Authorization = new("Bearer", await Server.Accounts.AccessTokenAsync("nadia@bravo")) },
        });

        Assert.False((await http.IntrospectTokenAsync(Introspection())).IsActive);
        var error = await Assert.ThrowsAsync<ConsortiumProblemException>(() => Server.ClientWithToken(token.AccessToken!).ListInvestigationsAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, error.Status);
    }

    [Fact]
    public async Task Authorization_request_without_PKCE_is_refused()
    {
        using var handler = new HttpClientHandler { AllowAutoRedirect = false };
        using var http = new HttpClient(handler) { BaseAddress = Server.BaseAddress };

        using var response = await http.GetAsync(new RequestUrl(new Uri(Server.BaseAddress, "connect/authorize").ToString()).CreateAuthorizeUrl(
            clientId: "consortium-cli", responseType: "code", scope: "openid consortium.api", redirectUri: "http://127.0.0.1:47823/callback", state: "s1"));

        // Refused before any sign-in page is shown, with the OAuth error a tool's developer can act on.
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("invalid_request", body, StringComparison.Ordinal);
        Assert.Contains("code_challenge", body, StringComparison.Ordinal);
    }
}
