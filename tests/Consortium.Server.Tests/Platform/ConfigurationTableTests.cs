using System.Text.RegularExpressions;

namespace Consortium.Server.Tests.Platform;

/// <summary>
/// docs/operations.md has one table of every setting the server reads, as environment variables: it must list each
/// key the code reads, and each variable the deployment files set.
/// </summary>
public sealed partial class ConfigurationTableTests
{
    private static readonly HashSet<string> Documented = DocumentedVariables();
    private static readonly string[] Nodes = ["server-1", "server-2"];

    [Fact]
    public void Every_configuration_key_the_server_reads_is_in_the_table()
    {
        var keys = KeysReadByTheServer();
        // The patterns must keep finding what is known to be read, or this test would pass on finding nothing.
        Assert.Contains("Identity:KeysDirectory", keys);
        Assert.Contains("Import:SpoolDirectory", keys);
        Assert.Contains("Storage:WarmConnections", keys);
        Assert.Contains("ConnectionStrings:Consortium", keys);
        Assert.Contains("Hosting:TrustedProxies", keys);
        Assert.True(keys.Count >= 20, string.Join(", ", keys));
        var missing = keys.Where(k => !Documented.Contains(k.Replace(":", "__", StringComparison.Ordinal)) && !Documented.Contains(k.Replace(":", "__", StringComparison.Ordinal) + "__0")).ToList();
        Assert.True(missing.Count == 0, "docs/operations.md does not list: " + string.Join(", ", missing));
    }

    [Fact]
    public void Every_variable_the_deployment_files_set_is_in_the_table()
    {
        var set = new List<(string File, string Variable)>();
        set.AddRange(DockerfileEnvironment().Select(v => ("deploy/Dockerfile", v)));
        var services = DeploymentYaml.Documents("deploy/compose.yaml").Single().Map("services");
        set.AddRange(Nodes.SelectMany(n => services.Map(n).Map("environment").Keys.Select(k => ("deploy/compose.yaml", k.ToString()!))));
        var kubernetes = Directory.GetFiles(RepositoryFiles.PathOf("deploy/kubernetes"), "*.yaml")
            .SelectMany(f => DeploymentYaml.Documents(Path.GetRelativePath(RepositoryFiles.Root, f))).ToList();
        set.AddRange(kubernetes.Where(o => o.Text("kind") == "ConfigMap").SelectMany(o => o.Map("data").Keys.Select(k => ("deploy/kubernetes/configmap.yaml", k.ToString()!))));
        set.AddRange(kubernetes.Where(o => o.Text("kind") == "Deployment")
            .SelectMany(o => o.Map("spec").Map("template").Map("spec").List("containers").Cast<Dictionary<object, object>>())
            .SelectMany(c => c.List("env").Cast<Dictionary<object, object>>().Select(e => ("deploy/kubernetes/deployment.yaml", e.Text("name")!))));
        set.AddRange(Regex.Matches(RepositoryFiles.Read("deploy/consortium.service"), @"^Environment=([A-Za-z_]+)=", RegexOptions.Multiline).Select(m => ("deploy/consortium.service", m.Groups[1].Value)));

        Assert.Contains(("deploy/compose.yaml", "Redis__Configuration"), set);
        var missing = set.Where(s => !Documented.Contains(s.Variable)).Select(s => $"{s.Variable} ({s.File})").Distinct().ToList();
        Assert.True(missing.Count == 0, "docs/operations.md does not list: " + string.Join(", ", missing));
    }

    private static HashSet<string> DocumentedVariables()
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in RepositoryFiles.Read("docs/operations.md").Split('\n').Where(l => l.StartsWith("| `", StringComparison.Ordinal)))
        {
            var firstCell = line.Split('|')[1];
            foreach (Match name in Regex.Matches(firstCell, "`([A-Za-z_0-9]+)`"))
            {
                names.Add(name.Groups[1].Value);
            }
        }
        return names;
    }

    private static List<string> KeysReadByTheServer()
    {
        var keys = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(RepositoryFiles.PathOf("src/Consortium.Server"), "*.cs", SearchOption.AllDirectories)
                     .Where(f => !f.Contains("/Migrations/", StringComparison.Ordinal) && !f.Contains("/obj/", StringComparison.Ordinal)))
        {
            var code = File.ReadAllText(file);
            foreach (Match m in ReadKey().Matches(code))
            {
                keys.Add(m.Groups["key"].Value);
            }
            foreach (Match m in ConnectionStringName().Matches(code))
            {
                keys.Add("ConnectionStrings:" + m.Groups["name"].Value);
            }
        }
        return [.. keys];
    }

    private static IEnumerable<string> DockerfileEnvironment()
    {
        var text = RepositoryFiles.Read("deploy/Dockerfile").Replace("\\\n", " ", StringComparison.Ordinal);
        return text.Split('\n').Where(l => l.StartsWith("ENV ", StringComparison.Ordinal))
            .SelectMany(l => Regex.Matches(l, @"([A-Za-z_]+)=").Select(m => m.Groups[1].Value));
    }

    // configuration["A:B"], GetValue("A:B", ...), GetValue<T>("A:B"), GetSection("A:B"), and constants holding a key.
    [GeneratedRegex(@"(?:onfiguration\[|GetValue(?:<[^>]+>)?\(|GetSection\(|const string \w+ = )""(?<key>[A-Z][A-Za-z]+(?::[A-Z][A-Za-z]+)+)""")]
    private static partial Regex ReadKey();

    [GeneratedRegex(@"ConnectionStringName = ""(?<name>\w+)""")]
    private static partial Regex ConnectionStringName();
}
