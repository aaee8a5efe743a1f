using System.Diagnostics;
using System.IO.Compression;
using System.Text.Json;
using System.Xml.Linq;

namespace Consortium.Server.Tests.Sync;

/// <summary>`dotnet pack` of Consortium.Client gives partners a package with its XML docs, its README and the API's version.</summary>
public sealed class ClientPackageTests
{
    [Fact]
    public async Task Pack_produces_a_package_with_the_xml_docs_the_readme_and_the_version_of_the_api()
    {
        var root = RepositoryRoot();
        var output = Directory.CreateTempSubdirectory("consortium-pack-");
        try
        {
            var start = new ProcessStartInfo("dotnet", ["pack", Path.Combine(root, "src", "Consortium.Client"), "-c", "Release", "-o", output.FullName, "--nologo"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            using var pack = Process.Start(start)!;
            var log = pack.StandardOutput.ReadToEndAsync();
            var errors = pack.StandardError.ReadToEndAsync();
            await pack.WaitForExitAsync();
            Assert.True(pack.ExitCode == 0, await log + await errors);

            var version = typeof(ConsortiumClient).Assembly.GetName().Version!.ToString(3);
            var package = Assert.Single(output.GetFiles("*.nupkg"));
            Assert.Equal($"Consortium.Client.{version}.nupkg", package.Name);
            using var zip = ZipFile.OpenRead(package.FullName);
            var docs = await ReadAsync(zip, "lib/net10.0/Consortium.Client.xml");
            var members = XDocument.Parse(docs).Descendants("member").Select(m => (string)m.Attribute("name")!).ToHashSet();
            Assert.Contains(members, m => m.StartsWith("M:Consortium.Client.ConsortiumClient.SyncAsync(", StringComparison.Ordinal));
            Assert.Contains("T:Consortium.Client.ChangeFeedEntry", members);
            var readme = await ReadAsync(zip, "README.md");
            Assert.Contains("## Mirror into your database", readme);
            Assert.Contains("SyncAsync", readme);
            var nuspec = XDocument.Parse(await ReadAsync(zip, "Consortium.Client.nuspec"));
            Assert.Equal("README.md", nuspec.Descendants().Single(e => e.Name.LocalName == "readme").Value);

            // The API's description carries the same version (ApiRegistration sets it from the client assembly).
            using var openApi = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(root, "src", "Consortium.Web", "src", "api", "openapi.json")));
            Assert.Equal(version, openApi.RootElement.GetProperty("info").GetProperty("version").GetString());
        }
        finally
        {
            output.Delete(recursive: true);
        }
    }

    private static async Task<string> ReadAsync(ZipArchive zip, string name)
    {
        var entry = zip.GetEntry(name);
        Assert.True(entry is not null, $"{name} is not in the package: {string.Join(", ", zip.Entries.Select(e => e.FullName))}");
        using var reader = new StreamReader(entry.Open());
        return await reader.ReadToEndAsync();
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Consortium.sln")))
            {
                return directory.FullName;
            }
        }
        throw new InvalidOperationException("The repository root (Consortium.sln) is not above the test's folder.");
    }
}
