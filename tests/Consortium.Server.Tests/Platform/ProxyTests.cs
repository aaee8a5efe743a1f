namespace Consortium.Server.Tests.Platform;

/// <summary>The audit log names the reader's address, not the proxy's, but only when the proxy is one we trust.</summary>
public abstract class ForwardedAddressTest(ConsortiumServer server) : ServerTest(server)
{
    /// <summary>Reads a record with <c>X-Forwarded-For: 203.0.113.7</c> and answers the address its audit entry names.</summary>
    protected async Task<string?> AuditedAddressOfForwardedReadAsync()
    {
        var (investigation, dataset) = await GivenInvestigationWithDatasetAsync("phone,country\n07700 900001,GB\n");
        var reader = Server.ClientFor("tom@bravo");
        var record = (await reader.ListRecordsAsync(dataset.Id)).Items[0];
        reader.Http.DefaultRequestHeaders.Add("X-Forwarded-For", "203.0.113.7");

        await reader.GetRecordAsync(record.Id);

        return Assert.Single((await Server.ClientFor("ines@alpha").ListAuditAsync(investigation.Id, action: AuditActions.RecordRead)).Items).IpAddress;
    }
}

[Collection(ProxyCollection.Name)]
public sealed class BehindTrustedProxyTests(BehindProxyServer server) : ForwardedAddressTest(server)
{
    [Fact]
    public async Task The_audit_log_records_the_address_the_trusted_proxy_forwarded() =>
        Assert.Equal("203.0.113.7", await AuditedAddressOfForwardedReadAsync());
}

[Collection(PlatformCollection.Name)]
public sealed class WithoutTrustedProxyTests(ConsortiumServer server) : ForwardedAddressTest(server)
{
    [Fact]
    public async Task A_forged_forwarded_address_is_ignored_when_no_proxy_is_trusted() =>
        Assert.Equal("127.0.0.1", await AuditedAddressOfForwardedReadAsync());
}

/// <summary>A server told that its proxies are a network (an ingress controller's pod network on Kubernetes), here loopback's.</summary>
public sealed class BehindProxyNetworkServer : ConsortiumServer
{
    protected override IEnumerable<(string Key, string Value)> Settings => [("Hosting:TrustedProxies:0", "127.0.0.0/8")];
}

[CollectionDefinition(Name)]
public sealed class ProxyNetworkCollection : ICollectionFixture<BehindProxyNetworkServer>
{
    public const string Name = "ProxyNetwork";
}

[Collection(ProxyNetworkCollection.Name)]
public sealed class BehindTrustedProxyNetworkTests(BehindProxyNetworkServer server) : ForwardedAddressTest(server)
{
    [Fact]
    public async Task The_audit_log_records_the_address_forwarded_by_a_proxy_of_a_trusted_network() =>
        Assert.Equal("203.0.113.7", await AuditedAddressOfForwardedReadAsync());
}
