using System.Net.Http.Headers;
using Consortium.Client;
using Consortium.Server.Identity;
using Consortium.Server.Investigations;
using Marten;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Consortium.Testing;

/// <summary>
/// The real server on Kestrel (a real port, so browsers and hub clients connect as in production) over a
/// database of its own on the shared test PostgreSQL. One per test collection.
/// </summary>
public sealed class ConsortiumServer : WebApplicationFactory<Program>, IAsyncLifetime
{
    /// <summary>Outlets every test can use: three newsrooms and a forensic lab.</summary>
    public static readonly IReadOnlyList<Outlet> Outlets =
    [
        new("alpha", "Alpha Gazette", "FR", "Europe/Paris"),
        new("bravo", "Bravo Tribune", "GB", "Europe/London"),
        new("charlie", "Charlie Post", "US", "America/New_York"),
        new("lab", "Delta Forensics", "DE", "Europe/Berlin"),
    ];

    private string connectionString = "";

    public ConsortiumServer() => UseKestrel(0);

    public Uri BaseAddress { get; private set; } = new("http://127.0.0.1/");

    /// <summary>The server's database, for tests that must look beneath the API (an operator's tools, tampering).</summary>
    public string ConnectionString => connectionString;

    public async Task InitializeAsync()
    {
        connectionString = await TestPostgres.CreateDatabaseAsync();
        StartServer();
        var address = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseAddress = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal).TrimEnd('/') + "/");
        await ResetAsync();
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await base.DisposeAsync();
        await TestPostgres.DropDatabaseAsync(connectionString);
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("ConnectionStrings:Consortium", connectionString);
        builder.UseSetting("Authentication:DevelopmentStandIn", "true");
        builder.UseSetting("Demo:Seed", "false");
        builder.UseSetting("urls", "http://127.0.0.1:0");
    }

    /// <summary>Deletes every document and event, then stores the standard test outlets.</summary>
    public async Task ResetAsync()
    {
        var store = Services.GetRequiredService<IDocumentStore>();
        await store.Advanced.ResetAllData();
        await using var session = store.LightweightSession();
        session.Store(Outlets.ToArray());
        await session.SaveChangesAsync();
    }

    /// <summary>An API client acting as <paramref name="user"/> ("name@outlet").</summary>
    public ConsortiumClient ClientFor(string user)
    {
        var http = new HttpClient { BaseAddress = BaseAddress };
        http.DefaultRequestHeaders.Add(DevelopmentStandInAuthentication.Header, user);
        http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return new ConsortiumClient(http);
    }

    /// <summary>An HTTP client that sends no identity at all.</summary>
    public HttpClient AnonymousClient() => new() { BaseAddress = BaseAddress };
}
