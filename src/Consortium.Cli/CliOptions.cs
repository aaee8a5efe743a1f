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
        Recursive = true,
    };

    // Until the identity issue brings OAuth tokens, the CLI speaks the server's development stand-in.
    public static readonly Option<string?> As = new("--as")
    {
        Description = "Development stand-in identity, person@outlet (default: $CONSORTIUM_USER).",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("CONSORTIUM_USER"),
        Recursive = true,
    };

    public static void AddGlobalOptions(RootCommand root)
    {
        root.Options.Add(Server);
        root.Options.Add(As);
    }

    public static ConsortiumClient Client(ParseResult parse)
    {
        var server = parse.GetValue(Server)!;
        var http = new HttpClient { BaseAddress = server.AbsoluteUri.EndsWith('/') ? server : new Uri(server.AbsoluteUri + "/"), Timeout = TimeSpan.FromMinutes(30) };
        if (parse.GetValue(As) is { Length: > 0 } user)
        {
            http.DefaultRequestHeaders.Add("X-Consortium-Dev-User", user);
        }
        return new ConsortiumClient(http);
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
        catch (HttpRequestException e)
        {
            Console.Error.WriteLine($"error: cannot reach the server: {e.Message}");
            return 1;
        }
    }
}
