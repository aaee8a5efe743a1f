using System.Net;
using System.Net.Http.Json;
using Consortium.Server.Webhooks;
using Microsoft.Extensions.Configuration;

namespace Consortium.Server.Tests.Webhooks;

/// <summary>Who manages which endpoints, and what the API never gives back.</summary>
[Collection(WebhooksCollection.Name)]
public sealed class WebhookAdministrationTests(WebhookServer server) : WebhookTest(server)
{
    [Fact]
    public async Task Only_the_outlets_administrators_manage_its_endpoints_and_another_outlets_ids_answer_404()
    {
        var endpoint = await GivenEndpointAsync("adm@bravo", "https://partner.example/hooks");
        await Server.Accounts.AccountAsync("adm@alpha", outletAdmin: true);
        var id = endpoint.Endpoint.Id;

        using (var reporter = await SendAsync("tom@bravo", HttpMethod.Get, "api/outlet/webhooks"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, reporter.StatusCode);
        }
        foreach (var (method, path) in new[]
        {
            (HttpMethod.Get, $"api/outlet/webhooks/{id}"), (HttpMethod.Delete, $"api/outlet/webhooks/{id}"),
            (HttpMethod.Post, $"api/outlet/webhooks/{id}/disable"), (HttpMethod.Post, $"api/outlet/webhooks/{id}/enable"),
            (HttpMethod.Get, $"api/outlet/webhooks/{id}/deliveries"),
        })
        {
            using var other = await SendAsync("adm@alpha", method, path);
            Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
        }
        using (var rotate = await SendAsync("adm@alpha", HttpMethod.Post, $"api/outlet/webhooks/{id}/rotate-secret", new RotateWebhookSecret()))
        {
            Assert.Equal(HttpStatusCode.NotFound, rotate.StatusCode);
        }
        Assert.Empty(await SendAsync<List<WebhookEndpointView>>("adm@alpha", HttpMethod.Get, "api/outlet/webhooks"));

        var listed = Assert.Single(await SendAsync<List<WebhookEndpointView>>("adm@bravo", HttpMethod.Get, "api/outlet/webhooks"));
        Assert.Equal(id, listed.Id);
        var disabled = await SendAsync<WebhookEndpointView>("adm@bravo", HttpMethod.Post, $"api/outlet/webhooks/{id}/disable");
        Assert.False(disabled.Enabled);
        Assert.True((await SendAsync<WebhookEndpointView>("adm@bravo", HttpMethod.Post, $"api/outlet/webhooks/{id}/enable")).Enabled);
        using (var delete = await SendAsync("adm@bravo", HttpMethod.Delete, $"api/outlet/webhooks/{id}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        }
        Assert.Empty(await SendAsync<List<WebhookEndpointView>>("adm@bravo", HttpMethod.Get, "api/outlet/webhooks"));
    }

    [Fact]
    public async Task The_secret_is_shown_once_and_stored_encrypted()
    {
        var endpoint = await GivenEndpointAsync("adm@bravo", "https://partner.example/hooks");
        var key = Convert.FromBase64String(endpoint.Secret["whsec_".Length..]);
        Assert.Equal(32, key.Length);

        using var listed = await SendAsync("adm@bravo", HttpMethod.Get, "api/outlet/webhooks");
        Assert.DoesNotContain(endpoint.Secret["whsec_".Length..], await listed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await using var connection = new Npgsql.NpgsqlConnection(Server.ConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand("select secret from consortium.webhook_endpoint", connection);
        var stored = (string)(await command.ExecuteScalarAsync())!;
        Assert.DoesNotContain(endpoint.Secret["whsec_".Length..], stored, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_audit_log_keeps_the_targets_host_but_not_a_token_in_its_path_or_query()
    {
        var endpoint = await GivenEndpointAsync("adm@bravo", "https://partner.example:8443/hooks/tok-path-5f2a?key=tok-query-9c1e");
        await using var connection = new Npgsql.NpgsqlConnection(Server.ConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(
            "select string_agg(data::text, ' ') from consortium.mt_doc_auditentry where data->>'targetId' = @id", connection);
        command.Parameters.AddWithValue("id", endpoint.Endpoint.Id.ToString());
        var audited = (string)(await command.ExecuteScalarAsync())!;
        Assert.Contains("https://partner.example:8443", audited, StringComparison.Ordinal);
        Assert.DoesNotContain("tok-path-5f2a", audited, StringComparison.Ordinal);
        Assert.DoesNotContain("tok-query-9c1e", audited, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_event_types_and_urls_with_credentials_are_refused()
    {
        await Server.Accounts.AccountAsync("adm@bravo", outletAdmin: true);
        using var unknown = await SendAsync("adm@bravo", HttpMethod.Post, "api/outlet/webhooks", new NewWebhookEndpoint("https://partner.example/hooks", ["secrets.leaked"]));
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        using var credentials = await SendAsync("adm@bravo", HttpMethod.Post, "api/outlet/webhooks", new NewWebhookEndpoint("https://user:pw@partner.example/hooks"));
        Assert.Equal(HttpStatusCode.BadRequest, credentials.StatusCode);
    }
}

/// <summary>The SSRF guard with the default settings: https only, public addresses only, checked again at connection time.</summary>
[Collection(PlatformCollection.Name)]
public sealed class WebhookTargetTests(ConsortiumServer server) : ServerTest(server)
{
    [Theory]
    [InlineData("http://127.0.0.1:8080/hook")]
    [InlineData("https://127.0.0.1/hook")]
    [InlineData("https://localhost/hook")]
    [InlineData("https://[::1]/hook")]
    [InlineData("https://169.254.169.254/latest/meta-data")]
    [InlineData("https://10.1.2.3/hook")]
    [InlineData("http://partner.example/hook")]
    public async Task Loopback_private_link_local_and_plain_http_targets_are_refused_unless_configured(string url)
    {
        await Server.Accounts.AccountAsync("adm@bravo", outletAdmin: true);
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/outlet/webhooks") { Content = JsonContent.Create(new NewWebhookEndpoint(url)) };
        using var response = await Server.ClientFor("adm@bravo").SendAsync(request);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("\"url\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_name_that_resolves_to_loopback_at_delivery_time_is_not_connected_to()
    {
        // What a DNS-rebinding name does: public when registered, loopback when delivered to. The check is at connection.
        var targets = new WebhookTargets(new WebhookOptions(new ConfigurationBuilder().Build()));
        Assert.Null(targets.Refusal("https://partner.example/hook"));
        await Assert.ThrowsAsync<WebhookTargetRefusedException>(async () => await targets.ConnectAsync("localhost", 443, CancellationToken.None));
        await Assert.ThrowsAsync<WebhookTargetRefusedException>(async () => await targets.ConnectAsync("127.0.0.1", 443, CancellationToken.None));
        Assert.False(WebhookTargets.IsPublic(System.Net.IPAddress.Parse("::ffff:192.168.1.1")));
        Assert.True(WebhookTargets.IsPublic(System.Net.IPAddress.Parse("93.184.216.34")));
    }

    [Theory]
    [InlineData("169.254.169.254")]
    [InlineData("169.254.1.1")]
    [InlineData("fe80::1")]
    [InlineData("fd00:ec2::254")]
    [InlineData("::a9fe:a9fe")]
    [InlineData("::ffff:169.254.169.254")]
    [InlineData("64:ff9b::a9fe:a9fe")]
    [InlineData("64:ff9b:1::a9fe:a9fe")]
    [InlineData("2002:a9fe:a9fe::1")]
    [InlineData("2001:0:4136:e378:8000:63bf:3fff:fdd2")]
    public async Task Metadata_link_local_and_IPv4_embedding_addresses_are_refused_even_with_private_networks_allowed(string address)
    {
        var targets = new WebhookTargets(new WebhookOptions(new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Webhooks:AllowPrivateNetworks"] = "true", ["Webhooks:AllowHttp"] = "true" })
            .Build()));
        var parsed = System.Net.IPAddress.Parse(address);
        Assert.False(targets.MayConnect(parsed));
        var host = parsed.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{parsed}]" : address;
        Assert.NotNull(targets.Refusal($"http://{host}/latest/meta-data"));
        await Assert.ThrowsAsync<WebhookTargetRefusedException>(async () => await targets.ConnectAsync(address, 80, CancellationToken.None));
        // What the setting is for stays open: the tests' receiver on loopback, an on-premises receiver on a private network.
        Assert.True(targets.MayConnect(System.Net.IPAddress.Loopback));
        Assert.True(targets.MayConnect(System.Net.IPAddress.IPv6Loopback));
        Assert.True(targets.MayConnect(System.Net.IPAddress.Parse("10.1.2.3")));
        Assert.Null(targets.Refusal("http://127.0.0.1:8080/hook"));
    }
}
