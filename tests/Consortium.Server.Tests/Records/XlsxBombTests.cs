using System.IO.Compression;
using System.Net;
using System.Text;

namespace Consortium.Server.Tests.Records;

/// <summary>Issue 17: a workbook that inflates far beyond its size is refused before it is parsed, and the server stays healthy.</summary>
[Collection(RecordsCollection.Name)]
public sealed class XlsxBombTests(ConsortiumServer server) : ServerTest(server)
{
    /// <summary>A zip of well-formed workbook parts whose shared strings (held in memory whole by the reader) inflate to <paramref name="megabytes"/> MB.</summary>
    private static MemoryStream Bomb(int megabytes)
    {
        var file = new MemoryStream();
        using (var zip = new ZipArchive(file, ZipArchiveMode.Create, leaveOpen: true))
        {
            using (var types = new StreamWriter(zip.CreateEntry("[Content_Types].xml").Open(), new UTF8Encoding(false)))
            {
                types.Write("""<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/></Types>""");
            }
            using var strings = zip.CreateEntry("xl/sharedStrings.xml", CompressionLevel.SmallestSize).Open();
            strings.Write("""<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>"""u8);
            var chunk = new byte[1024 * 1024];
            Array.Fill(chunk, (byte)'A');
            for (var i = 0; i < megabytes; i++)
            {
                strings.Write(chunk);
            }
            strings.Write("</t></si></sst>"u8);
        }
        file.Position = 0;
        return file;
    }

    [Fact]
    public async Task A_zip_bomb_posing_as_a_workbook_gets_400_stores_nothing_and_the_server_keeps_serving()
    {
        var alpha = Server.ClientFor("ines@alpha");
        var investigation = await alpha.CreateInvestigationAsync(new NewInvestigation("Nightjar", "", ["bravo"]));
        var dataset = await alpha.CreateDatasetAsync(investigation.Id, new NewDataset("Workbook", "", null));
        using var bomb = Bomb(megabytes: 300);
        Assert.True(bomb.Length < 1024 * 1024, $"The bomb is {bomb.Length} bytes packed.");

        var error = await Assert.ThrowsAsync<ConsortiumProblemException>(() => alpha.ImportXlsxAsync(dataset.Id, bomb));

        Assert.Equal(HttpStatusCode.BadRequest, error.Status);
        Assert.Contains("zip bomb", error.Detail!, StringComparison.Ordinal);
        Assert.Empty((await alpha.ListRecordsAsync(dataset.Id)).Items);
        using var health = await Server.AnonymousClient().GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(1, (await alpha.ImportCsvAsync(dataset.Id, Csv("phone,country\n07700 900001,GB\n"))).Imported);
    }
}
