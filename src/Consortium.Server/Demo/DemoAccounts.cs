using System.Security.Cryptography;
using System.Text;
using Consortium.Server.Identity;
using Microsoft.AspNetCore.Identity;
using OpenIddict.Abstractions;

namespace Consortium.Server.Demo;

/// <summary>
/// Accounts for the demo reporters (the first of each outlet administers it) and a sync client for the coordinating
/// outlet. The password is made on first seed, for this installation only, and each account's authenticator (TOTP) key
/// is enrolled at once, so a tester can sign in as anyone: both are written with the client's secret to
/// demo-accounts.txt beside the signing keys, never into the repository. That file exists only for the demo: a real
/// installation enrols each person's authenticator at their first sign-in and writes no such file.
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
            .AppendLine("Consortium DEMO accounts: fictional people of the demo consortium, made by this installation's first start.")
            .AppendLine("THIS FILE EXISTS ONLY FOR THE DEMO. A real installation never writes it: each person enrols their own authenticator.")
            .AppendLine("Sign in at /account/login with the e-mail and password, then a code from an authenticator app holding the person's key")
            .AppendLine("(add it by hand as a time-based key, 6 digits, 30 s; or `oathtool --totp -b KEY`).")
            .AppendLine($"Password for every account: {password}")
            .AppendLine()
            .AppendLine($"{"E-mail",-45} {"Outlet",-24} {"Role",-26} Authenticator key");
        foreach (var outlet in DemoConsortium.Outlets)
        {
            var first = true;
            var index = 0;
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
                Check(email, await users.CreateAsync(account, password));
                // Enrolled as the enrolment page does it (a fresh key, then two factors on), so the first sign-in asks for a code.
                Check(email, await users.ResetAuthenticatorKeyAsync(account));
                Check(email, await users.SetTwoFactorEnabledAsync(account, true));
                var key = await users.GetAuthenticatorKeyAsync(account);
                ids[email] = account.Id;
                var role = DemoConsortium.RoleOf(outlet.Id, index++).ToString().ToLowerInvariant() + (first ? ", outlet admin" : "");
                file.AppendLine($"{email,-45} {outlet.Name,-24} {role,-26} {key}");
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

    private static void Check(string email, IdentityResult result)
    {
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"Demo account {email}: {string.Join("; ", result.Errors.Select(e => e.Description))}");
        }
    }
}
