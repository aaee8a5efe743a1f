using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Consortium.Server.Tests.Platform;

/// <summary>
/// The container image cannot be built here (no registry for base images), so its recipe is checked against the
/// repository instead: what it copies exists, it starts the assembly the server project builds, and it runs as it says.
/// </summary>
public sealed partial class DockerfileTests
{
    private static readonly string[] Lines = JoinContinuations(RepositoryFiles.Read("deploy/Dockerfile"));

    [Fact]
    public void Every_path_the_image_copies_from_the_repository_exists()
    {
        var sources = Instructions("COPY").Where(a => !a.StartsWith("--from=", StringComparison.Ordinal))
            .SelectMany(a => a.Split(' ', StringSplitOptions.RemoveEmptyEntries).SkipLast(1)).ToList();
        Assert.NotEmpty(sources);
        Assert.All(sources, source => Assert.True(RepositoryFiles.Exists(source.TrimEnd('/')), $"deploy/Dockerfile copies {source}, which the repository lacks."));
    }

    [Fact]
    public void Every_project_the_server_references_is_copied_into_the_build()
    {
        var copied = Instructions("COPY").Where(a => !a.StartsWith("--from=", StringComparison.Ordinal)).ToList();
        foreach (var project in ProjectClosure("src/Consortium.Server/Consortium.Server.csproj"))
        {
            var folder = Path.GetDirectoryName(project)!.Replace('\\', '/') + "/";
            Assert.Contains(copied, a => a.StartsWith(folder + " ", StringComparison.Ordinal));
            Assert.Contains(copied, a => a.StartsWith(project + " ", StringComparison.Ordinal));
        }
        // The web UI is built by the server's build (target BuildWeb), so its sources must be there too.
        Assert.Contains(copied, a => a.StartsWith("src/Consortium.Web/ ", StringComparison.Ordinal));
    }

    [Fact]
    public void The_image_starts_the_assembly_the_server_project_builds()
    {
        var project = XDocument.Load(RepositoryFiles.PathOf("src/Consortium.Server/Consortium.Server.csproj"));
        var assembly = project.Descendants("AssemblyName").Select(e => e.Value).FirstOrDefault() ?? "Consortium.Server";
        Assert.Equal($"[\"dotnet\", \"{assembly}.dll\"]", Assert.Single(Instructions("ENTRYPOINT")));
        Assert.Contains(Instructions("RUN"), r => r.Contains($"test -f /app/{assembly}.dll", StringComparison.Ordinal));
    }

    [Fact]
    public void The_image_is_built_in_the_sdk_and_runs_on_the_aspnet_runtime_as_a_non_root_user()
    {
        var stages = Instructions("FROM").ToList();
        Assert.Contains(stages, s => s.StartsWith("mcr.microsoft.com/dotnet/sdk:", StringComparison.Ordinal));
        Assert.StartsWith("mcr.microsoft.com/dotnet/aspnet:", stages[^1], StringComparison.Ordinal);
        var finalStage = Lines.SkipWhile(l => l != "FROM " + stages[^1]).ToList();
        var user = Assert.Single(finalStage, l => l.StartsWith("USER ", StringComparison.Ordinal));
        Assert.DoesNotMatch(@"^USER\s+(root|0)(:|$)", user);
        // The user is set after the last RUN of the final stage, so nothing after it runs as root.
        Assert.True(finalStage.FindLastIndex(l => l.StartsWith("RUN ", StringComparison.Ordinal)) < finalStage.IndexOf(user));
    }

    [Fact]
    public void The_health_check_asks_healthz_on_the_port_the_server_listens_on()
    {
        var port = PortPattern().Match(string.Join('\n', Instructions("ENV"))).Groups[1].Value;
        Assert.NotEmpty(port);
        Assert.Contains(port, Assert.Single(Instructions("EXPOSE")), StringComparison.Ordinal);
        var check = Assert.Single(Instructions("HEALTHCHECK"));
        Assert.Contains($"/dev/tcp/127.0.0.1/{port}", check, StringComparison.Ordinal);
        Assert.Contains("GET /healthz ", check, StringComparison.Ordinal);
    }

    [Fact]
    public void The_writable_folders_are_the_ones_the_server_is_configured_to_write()
    {
        var environment = string.Join('\n', Instructions("ENV"));
        var keys = Regex.Match(environment, @"Identity__KeysDirectory=(\S+)").Groups[1].Value;
        var spool = Regex.Match(environment, @"Import__SpoolDirectory=(\S+)").Groups[1].Value;
        var created = Assert.Single(Instructions("RUN"), r => r.StartsWith("install -d", StringComparison.Ordinal));
        Assert.Contains(keys, created, StringComparison.Ordinal);
        Assert.Contains(spool, created, StringComparison.Ordinal);
    }

    [Fact]
    public void The_build_context_ignore_file_keeps_no_copied_path_out()
    {
        var ignored = RepositoryFiles.Read("deploy/Dockerfile.dockerignore").Split('\n')
            .Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#') && !l.StartsWith("**", StringComparison.Ordinal)).ToList();
        var sources = Instructions("COPY").Where(a => !a.StartsWith("--from=", StringComparison.Ordinal))
            .SelectMany(a => a.Split(' ', StringSplitOptions.RemoveEmptyEntries).SkipLast(1));
        Assert.All(sources, source => Assert.DoesNotContain(ignored, i => source.StartsWith(i.TrimEnd('/'), StringComparison.Ordinal)));
    }

    private static IEnumerable<string> Instructions(string keyword) =>
        Lines.Where(l => l.StartsWith(keyword + " ", StringComparison.Ordinal)).Select(l => l[(keyword.Length + 1)..].Trim());

    private static IEnumerable<string> ProjectClosure(string project)
    {
        yield return project;
        var folder = Path.GetDirectoryName(project)!;
        foreach (var reference in XDocument.Load(RepositoryFiles.PathOf(project)).Descendants("ProjectReference"))
        {
            var path = Path.GetRelativePath(RepositoryFiles.Root, Path.GetFullPath(Path.Combine(RepositoryFiles.Root, folder, reference.Attribute("Include")!.Value))).Replace('\\', '/');
            foreach (var p in ProjectClosure(path))
            {
                yield return p;
            }
        }
    }

    private static string[] JoinContinuations(string text) =>
        text.Replace("\\\n", " ", StringComparison.Ordinal).Split('\n')
            .Select(l => Regex.Replace(l.Trim(), @"\s+", " ")).Where(l => l.Length > 0 && !l.StartsWith('#')).ToArray();

    [GeneratedRegex(@"ASPNETCORE_HTTP_PORTS=(\d+)")]
    private static partial Regex PortPattern();
}
