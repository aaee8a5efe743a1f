namespace Consortium.Server.Tests.Platform;

/// <summary>The audit log names the reader's address, not the proxy's, but only when the proxy is one we trust.</summary>
[Collection(ProxyCollection.Name)]
public sealed class BehindTrustedProxyTests(BehindProxyServer server) : ServerTest(server)
{
    [Fact]
    public async Task The_audit_log_records_the_address_the_trusted_proxy_forwarded()
    {
        var (investigation, dataset) = await GivenInvestigationWithDatasetAsync("phone,country\n07700 900001,GB\n");
        var reader = Server.ClientFor("tom@bravo");
        var record = (await reader.ListRecordsAsync(dataset.Id)).Items[0];
        reader.Http.DefaultRequestHeaders.Add("X-Forwarded-For", "203.0.113.7");

        await reader.GetRecordAsync(record.Id);

        var entry = Assert.Single((await Server.ClientFor("ines@alpha").ListAuditAsync(investigation.Id, action: AuditActions.RecordRead)).Items);
        Assert.Equal("203.0.113.7", entry.IpAddress);
    }
}

[Collection(PlatformCollection.Name)]
public sealed class WithoutTrustedProxyTests(ConsortiumServer server) : ServerTest(server)
{
    [Fact]
    public async Task A_forged_forwarded_address_is_ignored_when_no_proxy_is_trusted()
    {
        var (investigation, dataset) = await GivenInvestigationWithDatasetAsync("phone,country\n07700 900001,GB\n");
        var reader = Server.ClientFor("tom@bravo");
        var record = (await reader.ListRecordsAsync(dataset.Id)).Items[0];
        reader.Http.DefaultRequestHeaders.Add("X-Forwarded-For", "203.0.113.7");

        await reader.GetRecordAsync(record.Id);

        var entry = Assert.Single((await Server.ClientFor("ines@alpha").ListAuditAsync(investigation.Id, action: AuditActions.RecordRead)).Items);
        Assert.Equal("127.0.0.1", entry.IpAddress);
    }
}
