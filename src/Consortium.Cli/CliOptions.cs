using System.CommandLine;
using Consortium.Client;

namespace Consortium.Cli;

/// <summary>Options every command shares: which server, and who you are.</summary>
internal static class CliOptions
{
    public static readonly Option<Uri> Server = new("--server")
    {
        Description = "The Consortium server (default: $CONSORTIUM_SERVER or http://localhost:5080/).",
        DefaultValueFactory = _ => new Uri(Environment.GetEnvironmentVariable("CONSORTIUM_SERVER") ?? "http://localhost:5080/"),
        // System.CommandLine has no built-in parser for Uri.
        CustomParser = result =>
        {
            if (Uri.TryCreate(result.Tokens.Single().Value, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")
            {
                return uri;
            }
            result.AddError($"--server needs an absolute http(s) address, not '{result.Tokens.Single().Value}'.");
            return null;
        },
        Recursive = true,
    };

    // A sync client registered by the outlet's administrator; the secret is best given through the environment,
    // where it does not land in shell history or in the process list.
    // No default value factories here: help prints defaults, and a secret must never appear on screen or in logs.
    public static readonly Option<string?> ClientId = new("--client-id")
    {
        Description = "Sync client id (default: $CONSORTIUM_CLIENT_ID).",
        Recursive = true,
    };

    public static readonly Option<string?> ClientSecret = new("--client-secret")
    {
        Description = "Sync client secret (default: $CONSORTIUM_CLIENT_SECRET).",
        Recursive = true,
    };

    public static void AddGlobalOptions(RootCommand root)
    {
        root.Options.Add(Server);
        root.Options.Add(ClientId);
        root.Options.Add(ClientSecret);
    }

    public static Uri ServerOf(ParseResult parse)
    {
        var server = parse.GetValue(Server)!;
        return server.AbsoluteUri.EndsWith('/') ? server : new Uri(server.AbsoluteUri + "/");
    }

    /// <summary>A sync client's credentials when given; otherwise the person who ran `consortium login`.</summary>
    public static ConsortiumClient Client(ParseResult parse)
    {
        var baseAddress = ServerOf(parse);
        var http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromMinutes(30) };
        var clientId = parse.GetValue(ClientId) ?? Environment.GetEnvironmentVariable("CONSORTIUM_CLIENT_ID");
        var secret = parse.GetValue(ClientSecret) ?? Environment.GetEnvironmentVariable("CONSORTIUM_CLIENT_SECRET");
        if (!string.IsNullOrEmpty(clientId) && !string.IsNullOrEmpty(secret))
        {
            return new ConsortiumClient(http, new ClientCredentialsTokens(http, clientId, secret).GetAsync);
        }
        return new ConsortiumClient(http, Login.StoredTokens(baseAddress)
            ?? throw new CliUsageException("Sign in first: `consortium login` (as yourself), or give a sync client's --client-id and $CONSORTIUM_CLIENT_SECRET."));
    }

    /// <summary>Runs a command body, turning the server's problem details into one readable line and exit code 1.</summary>
    public static async Task<int> Run(Func<Task> body)
    {
        try
        {
            await body();
            return 0;
        }
        catch (ConsortiumProblemException e)
        {
            Console.Error.WriteLine($"error: {e.Title}{(e.Detail is null ? "" : ": " + e.Detail)} ({(int)e.Status})");
            return 1;
        }
        catch (CliUsageException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 2;
        }
        catch (HttpRequestException e)
        {
            Console.Error.WriteLine($"error: cannot reach the server: {e.Message}");
            return 1;
        }
    }
}

internal sealed class CliUsageException(string message) : Exception(message);
