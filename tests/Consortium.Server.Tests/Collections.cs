namespace Consortium.Server.Tests;

// One server (and one database) per collection; collections run in parallel with each other.
[CollectionDefinition(Name)]
public sealed class PlatformCollection : ICollectionFixture<ConsortiumServer>
{
    public const string Name = "Platform";
}

[CollectionDefinition(Name)]
public sealed class RecordsCollection : ICollectionFixture<ConsortiumServer>
{
    public const string Name = "Records";
}

[CollectionDefinition(Name)]
public sealed class AnnotationsCollection : ICollectionFixture<ConsortiumServer>
{
    public const string Name = "Annotations";
}

[CollectionDefinition(Name)]
public sealed class IdentityCollection : ICollectionFixture<ConsortiumServer>
{
    public const string Name = "Identity";
}

[CollectionDefinition(Name)]
public sealed class AuditCollection : ICollectionFixture<ConsortiumServer>
{
    public const string Name = "Audit";
}

[CollectionDefinition(Name)]
public sealed class AccessCollection : ICollectionFixture<ConsortiumServer>
{
    public const string Name = "Access";
}

[CollectionDefinition(Name)]
public sealed class ReauthenticationCollection : ICollectionFixture<ShortReauthenticationServer>
{
    public const string Name = "Reauthentication";
}

/// <summary>A server that asks for a fresh sign-in after 3 seconds instead of 10 minutes, so tests can wait it out.</summary>
public sealed class ShortReauthenticationServer : ConsortiumServer
{
    protected override IEnumerable<(string Key, string Value)> Settings => [("Identity:ReauthenticateAfter", "00:00:03")];
}

[CollectionDefinition(Name)]
public sealed class ProxyCollection : ICollectionFixture<BehindProxyServer>
{
    public const string Name = "Proxy";
}

/// <summary>A server told that the loopback address is its reverse proxy, as a deployment behind nginx would be.</summary>
public sealed class BehindProxyServer : ConsortiumServer
{
    protected override IEnumerable<(string Key, string Value)> Settings => [("Hosting:TrustedProxies:0", "127.0.0.1")];
}

/// <summary>Resets the collection's data before each test, so no test depends on another.</summary>
public abstract class ServerTest(ConsortiumServer server) : IAsyncLifetime
{
    protected ConsortiumServer Server { get; } = server;

    public Task InitializeAsync() => Server.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>People who are reporters in the investigations tests are given; ines@alpha coordinates them.</summary>
    protected static readonly string[] Reporters = ["tom@bravo", "tom.ellery@bravo", "marie@alpha", "lena@lab"];

    /// <summary>Adds <paramref name="user"/> ("name@outlet") to an investigation as ines@alpha, its coordinator.</summary>
    protected async Task<MemberView> GivenMemberAsync(Guid investigationId, string user, InvestigationRole role, DateTimeOffset? expiresAt = null)
    {
        var account = await Server.Accounts.AccountAsync(user);
        return await Server.ClientFor("ines@alpha").AddMemberAsync(investigationId, new NewMember(account.Email, role, expiresAt));
    }

    /// <summary>
    /// An investigation coordinated by ines@alpha with bravo and lab as member outlets (charlie is not), the
    /// <see cref="Reporters"/> as members, and one dataset shared with all member outlets unless a compartment is named.
    /// </summary>
    protected async Task<(InvestigationView Investigation, DatasetView Dataset)> GivenInvestigationWithDatasetAsync(string csv, IReadOnlyList<string>? compartment = null)
    {
        var alpha = Server.ClientFor("ines@alpha");
        var investigation = await alpha.CreateInvestigationAsync(new NewInvestigation("Nightjar", "Test investigation", ["bravo", "lab"]));
        foreach (var reporter in Reporters)
        {
            await GivenMemberAsync(investigation.Id, reporter, InvestigationRole.Reporter);
        }
        var dataset = await alpha.CreateDatasetAsync(investigation.Id, new NewDataset("Selected numbers", "", compartment));
        using var stream = Csv(csv);
        var result = await alpha.ImportCsvAsync(dataset.Id, stream);
        Assert.Equal(0, result.Rejected);
        return (investigation, await alpha.GetDatasetAsync(dataset.Id));
    }

    protected static MemoryStream Csv(string text) => new(System.Text.Encoding.UTF8.GetBytes(text));
}

[CollectionDefinition(Name)]
public sealed class SearchCountLimitCollection : ICollectionFixture<LowCountLimitServer>
{
    public const string Name = "SearchCountLimit";
}

/// <summary>A server whose search counts stop at 4 matches instead of 10,000, so a small fixture crosses the limit.</summary>
public sealed class LowCountLimitServer : ConsortiumServer
{
    protected override IEnumerable<(string Key, string Value)> Settings => [("Search:CountLimit", "4")];
}

[CollectionDefinition(Name)]
public sealed class DenseSearchCollection : ICollectionFixture<DenseSearchServer>
{
    public const string Name = "DenseSearch";
}

/// <summary>
/// A server that takes every text search for a frequent word (walked in order, counted beside the page on a second
/// connection), with counts that stop at 4 matches, so a small fixture takes the path of a common word in a million.
/// </summary>
public sealed class DenseSearchServer : ConsortiumServer
{
    protected override IEnumerable<(string Key, string Value)> Settings => [("Search:CountLimit", "4"), ("Search:SurelyDense", "0")];
}

[CollectionDefinition(Name)]
public sealed class ShortSessionCollection : ICollectionFixture<ShortSessionServer>
{
    public const string Name = "ShortSession";
}

/// <summary>A server whose browser sessions end after 4 idle seconds or 9 seconds in all, so tests can wait them out.</summary>
public sealed class ShortSessionServer : ConsortiumServer
{
    protected override IEnumerable<(string Key, string Value)> Settings =>
        [("Identity:SessionIdleTimeout", "00:00:04"), ("Identity:SessionLifetime", "00:00:09")];
}

[CollectionDefinition(Name)]
public sealed class RateLimitCollection : ICollectionFixture<LowRateLimitServer>
{
    public const string Name = "RateLimit";
}

/// <summary>
/// A server with low rate limits, behind a "proxy" at the loopback address, so tests can speak from several addresses
/// (X-Forwarded-For) and cross each limit in a few requests.
/// </summary>
public sealed class LowRateLimitServer : ConsortiumServer
{
    protected override IEnumerable<(string Key, string Value)> Settings =>
    [
        ("Hosting:TrustedProxies:0", "127.0.0.1"),
        ("RateLimits:SignInPerAddressPerMinute", "40"),
        ("RateLimits:SignInPerAccountPerMinute", "10"),
        ("RateLimits:TokenRequestsPerClientPerMinute", "20"),
        ("RateLimits:SearchesPerMinute", "5"),
        ("RateLimits:HubJoinsPerMinute", "20"),
        ("RateLimits:TypingPerMinute", "8"),
        ("RateLimits:WebhookActionsPerMinute", "5"),
    ];
}
