using Consortium.Server.Demo;
using Consortium.Server.Identity;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Consortium.Server.Tests.Demo;

/// <summary>
/// A demo server on a database of its own (not reset at start: the seed writes it), seeded once for the class. Its
/// connection string is configured, as every test server's is, so the demo partner must stay off here.
/// </summary>
public sealed class DemoSeedFixture : IAsyncLifetime
{
    private sealed class DemoServer(string database) : ConsortiumServer
    {
        protected override string? SharedDatabase => database;

        // 400 records: the activity needs the first 240 rows of the numbers dataset.
        protected override IEnumerable<(string Key, string Value)> Settings => [("Demo:Seed", "true"), ("Demo:RecordCount", "400"), ("Demo:Partner", "true")];
    }

    private string database = "";

    public ConsortiumServer Server { get; private set; } = null!;

    internal DemoSeed Seed => Server.Services.GetRequiredService<DemoSeed>();

    public async Task InitializeAsync()
    {
        database = await TestPostgres.CreateDatabaseAsync();
        Server = new DemoServer(database);
        await ((IAsyncLifetime)Server).InitializeAsync();
        // The seed runs in the background after start; bounded so a broken seed fails the tests instead of hanging them.
        await Seed.Seeded.WaitAsync(TimeSpan.FromMinutes(3));
    }

    public async Task DisposeAsync()
    {
        await ((IAsyncLifetime)Server).DisposeAsync();
        await TestPostgres.DropDatabaseAsync(database);
    }

    public string AccountsFile => DemoAccounts.CredentialsFile(Server.Services.GetRequiredService<IConfiguration>());

    /// <summary>
    /// Signs in as a seeded person through the real pages and token endpoint, with the authenticator key that
    /// demo-accounts.txt gives for them (so the file is checked too). The demo's random password is replaced by the
    /// test one, because TestAccounts signs in with that.
    /// </summary>
    public async Task<string> SeededPersonAsync(string email)
    {
        var line = (await File.ReadAllLinesAsync(AccountsFile)).Single(l => l.StartsWith(email + " ", StringComparison.Ordinal));
        var key = line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[^1];
        await using var scope = Server.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ConsortiumAccount>>();
        var account = (await users.FindByEmailAsync(email))!;
        Assert.Equal(key, await users.GetAuthenticatorKeyAsync(account));
        await users.RemovePasswordAsync(account);
        await users.AddPasswordAsync(account, TestAccounts.Password);
        var user = email[..email.LastIndexOf('.')];
        Server.Accounts.Remember(user, new TestAccount(account.Id, email, account.DisplayName, account.OutletId, key));
        return user;
    }
}
