using System.Security.Cryptography;
using System.Text;
using Consortium.Server.Identity;
using Microsoft.AspNetCore.Identity;
using OpenIddict.Abstractions;

namespace Consortium.Server.Demo;

/// <summary>
/// Accounts for the demo reporters (the first of each outlet administers it) and a sync client for the coordinating
/// outlet. The password is made on first seed, for this installation only, and written with the client's secret to a
/// file beside the signing keys, never into the repository. Each demo account enrols its authenticator at first sign-in.
/// </summary>
internal static class DemoAccounts
{
    public static string CredentialsFile(IConfiguration configuration) =>
        Path.Combine(configuration["Identity:KeysDirectory"] is { Length: > 0 } keys ? keys : KeyFiles.DefaultDirectory(), "demo-accounts.txt");

    public static string DisplayNameOf(string person) => string.Join(' ', person.Split('.').Select(p => char.ToUpperInvariant(p[0]) + p[1..]));

    public static async Task<Dictionary<string, string>> CreateAsync(IServiceProvider services, IConfiguration configuration, CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ConsortiumAccount>>();
        var applications = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
        var password = Convert.ToBase64String(RandomNumberGenerator.GetBytes(12)).Replace('+', 'x').Replace('/', 'y');
        var ids = new Dictionary<string, string>(StringComparer.Ordinal);
        var file = new StringBuilder()
            .AppendLine("Consortium demo accounts (fictional people; every account sets up an authenticator app at first sign-in).")
            .AppendLine($"Password for every account: {password}")
            .AppendLine();
        foreach (var outlet in DemoConsortium.Outlets)
        {
            var first = true;
            foreach (var person in DemoConsortium.PeopleOf(outlet.Id))
            {
                var email = $"{person}@{outlet.Id}.example";
                var account = new ConsortiumAccount
                {
                    UserName = email,
                    Email = email,
                    EmailConfirmed = true,
                    DisplayName = DisplayNameOf(person),
                    OutletId = outlet.Id,
                    OutletAdmin = first,
                };
                var created = await users.CreateAsync(account, password);
                if (!created.Succeeded)
                {
                    throw new InvalidOperationException($"Demo account {email}: {string.Join("; ", created.Errors.Select(e => e.Description))}");
                }
                ids[email] = account.Id;
                file.AppendLine($"{email,-45} {outlet.Name}{(first ? " (outlet administrator)" : "")}");
                first = false;
            }
        }
        var client = await SyncClients.RegisterAsync(applications, DemoConsortium.CoordinatorId, "Le Veilleur sync", cancellationToken);
        file.AppendLine().AppendLine($"Sync client of Le Veilleur (client credentials): id {client.ClientId}, secret {client.ClientSecret}");

        var path = CredentialsFile(configuration);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllTextAsync(path, file.ToString(), cancellationToken);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        return ids;
    }
}
