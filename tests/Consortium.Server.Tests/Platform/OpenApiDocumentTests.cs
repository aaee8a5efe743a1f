using System.Text.Json;
using System.Text.Json.Nodes;

namespace Consortium.Server.Tests.Platform;

/// <summary>
/// The web UI's wire types are generated from a checked-in copy of the server's OpenAPI document
/// (src/Consortium.Web/src/api/openapi.json); this test fails when the server's contracts moved and the copy did not.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class OpenApiDocumentTests(ConsortiumServer server) : ServerTest(server)
{
    // Set to 1 by `npm run gen:api` (src/Consortium.Web): the test then rewrites the checked-in copy instead of failing.
    private const string UpdateVariable = "CONSORTIUM_UPDATE_OPENAPI";

    [Fact]
    public async Task Web_UI_wire_types_come_from_the_servers_current_OpenAPI_document()
    {
        using var http = Server.AnonymousClient();
        var served = Normalise(await http.GetStringAsync("/openapi/v1.json"));
        var path = CheckedInDocumentPath();

        if (Environment.GetEnvironmentVariable(UpdateVariable) == "1")
        {
            await File.WriteAllTextAsync(path, served);
            return;
        }

        var checkedIn = File.Exists(path) ? await File.ReadAllTextAsync(path) : "";
        Assert.True(
            served == checkedIn.ReplaceLineEndings("\n"),
            $"The server's OpenAPI document differs from {path}. Regenerate the web UI's wire types: "
            + "cd src/Consortium.Web && npm run gen:api (with CONSORTIUM_TEST_POSTGRES set), then fix what `npm run build` reports.");
    }

    // The servers list names the test server's random port: everything else is the contract.
    private static string Normalise(string document)
    {
        var root = JsonNode.Parse(document)!.AsObject();
        root.Remove("servers");
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }).ReplaceLineEndings("\n") + "\n";
    }

    private static string CheckedInDocumentPath()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Consortium.sln")))
        {
            directory = directory.Parent;
        }
        Assert.NotNull(directory);
        return Path.Combine(directory.FullName, "src", "Consortium.Web", "src", "api", "openapi.json");
    }
}
