using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Consortium.Server.Tests.Annotations;

/// <summary>
/// A real JSON-LD processor (the npm package <c>jsonld</c>, run by Node: tests/webannotation-check) that expands a
/// document offline, the W3C context from a fixture and any other from <paramref name="contexts"/>, in safe mode (a term
/// no context defines fails the run), and answers its RDF triples.
/// </summary>
public static partial class JsonLdProcessor
{
    public const string Rdf = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
    public const string Oa = "http://www.w3.org/ns/oa#";
    public const string As = "http://www.w3.org/ns/activitystreams#";
    public const string Foaf = "http://xmlns.com/foaf/0.1/";
    public const string Dc = "http://purl.org/dc/elements/1.1/";
    public const string DcTerms = "http://purl.org/dc/terms/";
    public const string Ldp = "http://www.w3.org/ns/ldp#";

    private static readonly SemaphoreSlim InstallGate = new(1, 1);
    private static bool installed;

    public sealed record Triple(string Subject, string Predicate, string Value);

    public sealed record Expanded(JsonNode Document, IReadOnlyList<Triple> Triples)
    {
        public IEnumerable<string> Objects(string subject, string predicate) =>
            Triples.Where(t => t.Subject == subject && t.Predicate == predicate).Select(t => t.Value);

        public bool Has(string subject, string predicate, string value) => Objects(subject, predicate).Contains(value);

        /// <summary>The items of an RDF list (as:items is an ordered list), in order.</summary>
        public List<string> List(string head)
        {
            var items = new List<string>();
            while (head != $"<{Rdf}nil>")
            {
                items.Add(Objects(head, Rdf + "first").Single());
                head = Objects(head, Rdf + "rest").Single();
            }
            return items;
        }
    }

    public static string Iri(string iri) => $"<{iri}>";

    public static string Literal(string value) => $"\"{value}\"";

    public static async Task<Expanded> ExpandAsync(JsonNode document, IReadOnlyDictionary<string, JsonNode> contexts)
    {
        var folder = await InstalledAsync();
        var input = new JsonObject { ["document"] = document.DeepClone(), ["contexts"] = new JsonObject(contexts.Select(c => KeyValuePair.Create(c.Key, (JsonNode?)c.Value.DeepClone()))) };
        var (exit, output, error) = await RunAsync("node", ["check.mjs"], folder, input.ToJsonString());
        Assert.True(exit == 0, $"The JSON-LD processor refused the document: {error}\n{document.ToJsonString()}");
        var result = JsonNode.Parse(output)!;
        var triples = result["nquads"]!.GetValue<string>().Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => Quad().Match(line))
            .Select(m => new Triple(m.Groups[1].Value, m.Groups[2].Value.Trim('<', '>'), m.Groups[3].Value))
            .ToList();
        return new Expanded(result["expanded"]!, triples);
    }

    [GeneratedRegex("^(\\S+) (\\S+) (.+) \\.$")]
    private static partial Regex Quad();

    private static async Task<string> InstalledAsync()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Consortium.sln")))
        {
            directory = directory.Parent;
        }
        Assert.NotNull(directory);
        var folder = Path.Combine(directory.FullName, "tests", "webannotation-check");
        await InstallGate.WaitAsync();
        try
        {
            if (!installed && !Directory.Exists(Path.Combine(folder, "node_modules", "jsonld")))
            {
                var (exit, output, error) = await RunAsync("npm", ["ci", "--no-audit", "--no-fund"], folder, null);
                Assert.True(exit == 0, $"npm ci failed in {folder}: {output}{error}");
            }
            installed = true;
            return folder;
        }
        finally
        {
            InstallGate.Release();
        }
    }

    private static async Task<(int Exit, string Output, string Error)> RunAsync(string file, string[] arguments, string folder, string? input)
    {
        var start = new ProcessStartInfo(file) { WorkingDirectory = folder, RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (input is not null)
        {
            await process.StandardInput.WriteAsync(input);
        }
        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await error);
    }
}
