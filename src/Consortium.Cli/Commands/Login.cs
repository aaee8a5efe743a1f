using System.CommandLine;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Spectre.Console;

namespace Consortium.Cli;

/// <summary>
/// Signs a person in for the command line: the authorization code flow with PKCE through a loopback redirect
/// (RFC 8252). The password and authenticator code are typed into the server's own page in the browser, never into
/// this tool. Tokens are kept in the user's config folder, readable by the user only, and refreshed when they expire.
/// </summary>
internal static class Login
{
    private const string ClientId = "consortium-cli";
    private const int CallbackPort = 47823;
    private static readonly string RedirectUri = $"http://127.0.0.1:{CallbackPort}/callback";

    public static Command Command()
    {
        var command = new Command("login", "Sign in as yourself (in your browser, with password and authenticator code), for commands that act as a person.");
        command.SetAction((parse, cancellationToken) => CliOptions.Run(async () =>
        {
            var server = CliOptions.ServerOf(parse);
            var verifier = Base64Url(RandomNumberGenerator.GetBytes(32));
            var challenge = Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));
            var state = Base64Url(RandomNumberGenerator.GetBytes(16));
            var url = new Uri(server, "connect/authorize?" + string.Join('&', new Dictionary<string, string>
            {
                ["client_id"] = ClientId,
                ["response_type"] = "code",
                ["scope"] = "openid profile offline_access consortium.api",
                ["redirect_uri"] = RedirectUri,
                ["code_challenge"] = challenge,
                ["code_challenge_method"] = "S256",
                ["state"] = state,
            }.Select(p => $"{p.Key}={Uri.EscapeDataString(p.Value)}")));

            using var listener = new HttpListener();
            listener.Prefixes.Add($"http://127.0.0.1:{CallbackPort}/");
            try
            {
                listener.Start();
            }
            catch (HttpListenerException)
            {
                throw new CliUsageException($"port {CallbackPort} on 127.0.0.1 is busy (is another `consortium login` waiting?); the sign-in needs it for the browser's redirect.");
            }
            // Plain output: a console library would wrap the address at the terminal width and break copying it.
            var output = parse.InvocationConfiguration.Output;
            await output.WriteLineAsync("Open this address in your browser to sign in:");
            await output.WriteLineAsync(url.AbsoluteUri);
            await output.FlushAsync(cancellationToken);
            TryOpenBrowser(url);

            var context = await listener.GetContextAsync().WaitAsync(TimeSpan.FromMinutes(10), cancellationToken);
            var query = System.Web.HttpUtility.ParseQueryString(context.Request.Url!.Query);
            var answer = query["error"] is null ? "Signed in. You can close this tab." : $"Sign-in failed: {query["error"]}.";
            context.Response.ContentType = "text/plain; charset=utf-8";
            await context.Response.OutputStream.WriteAsync(Encoding.UTF8.GetBytes(answer), cancellationToken);
            context.Response.Close();
            if (query["error"] is { } error || query["state"] != state || query["code"] is not { } code)
            {
                throw new CliUsageException($"sign-in did not complete ({query["error"] ?? "state mismatch"}).");
            }

            using var http = new HttpClient { BaseAddress = server };
            var tokens = await RequestAsync(http, new()
            {
                ["grant_type"] = "authorization_code",
                ["client_id"] = ClientId,
                ["code"] = code,
                ["redirect_uri"] = RedirectUri,
                ["code_verifier"] = verifier,
            }, cancellationToken);
            await SaveAsync(server, tokens, cancellationToken);
            AnsiConsole.MarkupLine("[green]Signed in.[/] Commands now act as you until you run [bold]consortium logout[/].");
        }));
        return command;
    }

    public static Command LogoutCommand()
    {
        var command = new Command("logout", "Forget the tokens `consortium login` stored (and revoke the refresh token).");
        command.SetAction((parse, cancellationToken) => CliOptions.Run(async () =>
        {
            var server = CliOptions.ServerOf(parse);
            if (await LoadAsync(server, cancellationToken) is { } stored)
            {
                using var http = new HttpClient { BaseAddress = server };
                using var _ = await http.PostAsync("connect/revoke", new FormUrlEncodedContent(new Dictionary<string, string>
                {
                    ["client_id"] = ClientId,
                    ["token"] = stored.RefreshToken ?? stored.AccessToken,
                }), cancellationToken);
                File.Delete(TokenFile(server));
            }
            AnsiConsole.MarkupLine("Signed out.");
        }));
        return command;
    }

    /// <summary>A token provider from the stored sign-in, refreshing it when it is about to expire; null when nobody signed in.</summary>
    public static Func<CancellationToken, Task<string?>>? StoredTokens(Uri server)
    {
        if (!File.Exists(TokenFile(server)))
        {
            return null;
        }
        return async cancellationToken =>
        {
            var stored = await LoadAsync(server, cancellationToken) ?? throw new CliUsageException("not signed in: run consortium login.");
            if (stored.ExpiresAt > DateTimeOffset.UtcNow.AddMinutes(1))
            {
                return stored.AccessToken;
            }
            if (stored.RefreshToken is null)
            {
                throw new CliUsageException("your sign-in expired: run consortium login.");
            }
            using var http = new HttpClient { BaseAddress = server };
            var refreshed = await RequestAsync(http, new()
            {
                ["grant_type"] = "refresh_token",
                ["client_id"] = ClientId,
                ["refresh_token"] = stored.RefreshToken,
            }, cancellationToken);
            await SaveAsync(server, refreshed, cancellationToken);
            return refreshed.AccessToken;
        };
    }

    private sealed record TokenAnswer(
        [property: JsonPropertyName("access_token")] string AccessToken,
        [property: JsonPropertyName("refresh_token")] string? RefreshToken,
        [property: JsonPropertyName("expires_in")] int ExpiresIn);

    private sealed record SavedTokens(string AccessToken, string? RefreshToken, DateTimeOffset ExpiresAt);

    private static async Task<TokenAnswer> RequestAsync(HttpClient http, Dictionary<string, string> form, CancellationToken cancellationToken)
    {
        using var response = await http.PostAsync("connect/token", new FormUrlEncodedContent(form), cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new CliUsageException($"the server refused the sign-in ({(int)response.StatusCode}): run consortium login again.");
        }
        return (await response.Content.ReadFromJsonAsync<TokenAnswer>(cancellationToken))!;
    }

    // One file per server, so signing in to a test server does not replace the newsroom's. CONSORTIUM_CONFIG_DIR moves
    // the folder (a tool's own sandbox, or an encrypted volume).
    internal static string TokenFile(Uri server) => Path.Combine(
        Environment.GetEnvironmentVariable("CONSORTIUM_CONFIG_DIR") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.ApplicationData, Environment.SpecialFolderOption.Create), "consortium"),
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(server.AbsoluteUri)))[..16] + ".tokens.json");

    private static async Task SaveAsync(Uri server, TokenAnswer tokens, CancellationToken cancellationToken)
    {
        var path = TokenFile(server);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = path + ".tmp";
        await File.WriteAllTextAsync(temporary, JsonSerializer.Serialize(new SavedTokens(tokens.AccessToken, tokens.RefreshToken, DateTimeOffset.UtcNow.AddSeconds(tokens.ExpiresIn))), cancellationToken);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        File.Move(temporary, path, overwrite: true);
    }

    private static async Task<SavedTokens?> LoadAsync(Uri server, CancellationToken cancellationToken) =>
        File.Exists(TokenFile(server)) ? JsonSerializer.Deserialize<SavedTokens>(await File.ReadAllTextAsync(TokenFile(server), cancellationToken)) : null;

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static void TryOpenBrowser(Uri url)
    {
        try
        {
            using var _ = Process.Start(new ProcessStartInfo("xdg-open", url.AbsoluteUri) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true });
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // No desktop here: the printed address is enough.
        }
    }
}
