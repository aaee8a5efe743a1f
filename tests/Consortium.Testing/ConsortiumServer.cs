using System.Net.Http.Headers;
using Consortium.Client;
using Consortium.Server.Audit;
using Consortium.Server.Identity;
using Marten;
using Npgsql;
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
public class ConsortiumServer : WebApplicationFactory<Program>, IAsyncLifetime, IAccountHost
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
    private string keysDirectory = Path.Combine(Path.GetTempPath(), $"consortium-test-keys-{Guid.NewGuid():N}");
    // A second server over another's database (two nodes of one deployment) neither creates, resets nor drops it.
    private bool sharesDatabase;

    public ConsortiumServer()
    {
        UseKestrel(0);
        Accounts = new TestAccounts(this);
    }

    private ConsortiumServer(ConsortiumServer first) : this()
    {
        connectionString = first.connectionString;
        keysDirectory = first.keysDirectory;
        sharesDatabase = true;
    }

    /// <summary>
    /// Starts a second server on <paramref name="first"/>'s database and signing keys, as a second node of the same
    /// deployment (a rolling deploy, or two servers behind one address). Dispose it to stop it; the database stays.
    /// </summary>
    public static async Task<ConsortiumServer> SharingDatabaseWithAsync(ConsortiumServer first)
    {
        var second = new ConsortiumServer(first);
        await second.InitializeAsync();
        return second;
    }

    /// <summary>
    /// Starts <paramref name="second"/> (a derived fixture, not started yet: its own settings or services, a test clock)
    /// as a second node on <paramref name="first"/>'s database and signing keys.
    /// </summary>
    public static async Task<T> SharingDatabaseWithAsync<T>(ConsortiumServer first, T second) where T : ConsortiumServer
    {
        second.connectionString = first.connectionString;
        second.keysDirectory = first.keysDirectory;
        second.sharesDatabase = true;
        await second.InitializeAsync();
        return second;
    }

    /// <summary>Real accounts and tokens; accounts outlive <see cref="ResetAsync"/> (they live in the identity schema).</summary>
    public TestAccounts Accounts { get; }

    public Uri BaseAddress { get; private set; } = new("http://127.0.0.1/");

    /// <summary>The audit chain's key file, as an operator passes it to <c>consortium audit verify --key-file</c>.</summary>
    public string AuditKeyFile => Path.Combine(keysDirectory, "audit-chain.key");

    /// <summary>The server's database, for tests that must look beneath the API (an operator's tools, tampering).</summary>
    public string ConnectionString => connectionString;

    /// <summary>
    /// A database that outlives this server (a restart test starts a second server on the first one's database): it is
    /// neither reset at start nor dropped at the end. Null: a fresh database of the server's own.
    /// </summary>
    protected virtual string? SharedDatabase => null;

    public async Task InitializeAsync()
    {
        if (SharedDatabase is { } shared)
        {
            connectionString = shared;
        }
        else if (!sharesDatabase)
        {
            connectionString = await TestPostgres.CreateDatabaseAsync();
        }
        StartServer();
        var address = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseAddress = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal).TrimEnd('/') + "/");
        if (!sharesDatabase && SharedDatabase is null)
        {
            await ResetAsync();
        }
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await base.DisposeAsync();
        if (sharesDatabase)
        {
            return;
        }
        if (SharedDatabase is null)
        {
            await TestPostgres.DropDatabaseAsync(connectionString);
        }
        if (Directory.Exists(keysDirectory))
        {
            Directory.Delete(keysDirectory, recursive: true);
        }
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("ConnectionStrings:Consortium", connectionString);
        builder.UseSetting("Identity:RequireHttps", "false");
        builder.UseSetting("Identity:KeysDirectory", keysDirectory);
        builder.UseSetting("Demo:Seed", "false");
        // A dozen test servers share one PostgreSQL (200 connections): each keeps one warm connection per pool, not 16.
        builder.UseSetting("Storage:WarmConnections", "1");
        builder.UseSetting("urls", "http://127.0.0.1:0");
        // Every test signs in from 127.0.0.1, many times a minute: generous limits here; RateLimitTests sets low ones.
        foreach (var limit in new[] { "SignInPerAddressPerMinute", "SignInPerAccountPerMinute", "TokenRequestsPerClientPerMinute", "SearchesPerMinute", "HubJoinsPerMinute", "TypingPerMinute" })
        {
            builder.UseSetting($"RateLimits:{limit}", "1000000");
        }
        foreach (var (key, value) in Settings)
        {
            builder.UseSetting(key, value);
        }
    }

    /// <summary>Configuration a derived fixture changes (a shorter re-authentication window, say).</summary>
    protected virtual IEnumerable<(string Key, string Value)> Settings => [];

    /// <summary>Deletes every document and event, every account, token and registered client, then stores the standard test outlets.</summary>
    public async Task ResetAsync()
    {
        var store = Services.GetRequiredService<IDocumentStore>();
        // Between two seals: a seal that interleaved with the deletes could leave its tripwire behind for the next test.
        await using (await Services.GetRequiredService<AuditSealer>().PauseAsync())
        {
            // Marten's reset truncates, which the audit tables refuse: as their owner, the test host lifts that trigger for
            // the reset only (no setting in the database lets a TRUNCATE through; decision 0025).
            await SetAuditTruncateTriggerAsync("disable");
            try
            {
                await store.Advanced.ResetAllData();
            }
            finally
            {
                await SetAuditTruncateTriggerAsync("enable");
            }
        }
        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync();
            await using var clear = new NpgsqlCommand(
                """
                truncate identity."OpenIddictTokens", identity."OpenIddictAuthorizations", identity."AspNetUsers" cascade;
                delete from identity."OpenIddictApplications" where "ClientId" <> 'consortium-cli';
                """, connection);
            await clear.ExecuteNonQueryAsync();
        }
        Accounts.Forget();
        await using var session = store.LightweightSession();
        session.Store(Outlets.ToArray());
        await session.SaveChangesAsync();
    }

    private async Task SetAuditTruncateTriggerAsync(string state)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            $"""
            do $$ declare audit_table regclass; begin
              for audit_table in select tgrelid::regclass from pg_trigger where tgname = 'audit_append_only_truncate' loop
                execute format('alter table %s {state} trigger audit_append_only_truncate', audit_table);
              end loop;
            end $$;
            """, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>
    /// An API client acting as the person <paramref name="user"/> ("name@outlet"), with a real access token from the
    /// authorization code flow (the account is created, with an authenticator, on first use).
    /// </summary>
    public ConsortiumClient ClientFor(string user)
    {
        var http = new HttpClient { BaseAddress = BaseAddress };
        http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return new ConsortiumClient(http, async _ => await Accounts.AccessTokenAsync(user));
    }

    /// <summary>An API client holding a fixed bearer token (a revoked one, say).</summary>
    public ConsortiumClient ClientWithToken(string accessToken)
    {
        var http = new HttpClient { BaseAddress = BaseAddress };
        return new ConsortiumClient(http, _ => Task.FromResult<string?>(accessToken));
    }

    /// <summary>An HTTP client that sends no identity at all.</summary>
    public HttpClient AnonymousClient() => new() { BaseAddress = BaseAddress };
}
