using System.IO.Compression;
using System.Net;
using System.Security;
using System.Text;

namespace Consortium.Server.Tests.Records;

[Collection(RecordsCollection.Name)]
public sealed class XlsxImportTests(ConsortiumServer server) : ServerTest(server)
{
    [Fact]
    public async Task XLSX_rows_import_with_numbers_normalised_and_a_row_with_a_formula_is_rejected_by_row_and_column()
    {
        var (alpha, dataset) = await GivenEmptyDatasetAsync();
        var workbook = Workbook(
            """<row r="1">""" + Text("A1", "phone") + Text("B1", "country") + Text("C1", "selector") + "</row>" +
            """<row r="2">""" + Text("A2", "07700 900002") + Text("B2", "GB") + Text("C2", "Client 02") + "</row>" +
            """<row r="3"><c r="A3"><v>7700900003</v></c>""" + Text("B3", "GB") + Text("C3", "Client 03") + "</row>" +
            """<row r="4">""" + Text("A4", "07700 900004") + Text("B4", "GB") + """<c r="C4"><f>SUM(A1:A2)</f><v>3</v></c></row>""" +
            """<row r="5">""" + Text("A5", "+44 7700 900005") + Text("B5", "GB") + Text("C5", "Client 05") + "</row>");

        var result = await alpha.ImportXlsxAsync(dataset.Id, workbook);

        Assert.Equal(3, result.Imported);
        Assert.Equal(1, result.Rejected);
        var error = Assert.Single(result.Errors);
        Assert.Equal(4, error.Row);
        Assert.Equal("selector", error.Column);
        Assert.Contains("cell C4 holds a formula", error.Reason, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(["phone", "country", "selector"], (await alpha.GetDatasetAsync(dataset.Id)).Columns);
        var page = await alpha.ListRecordsAsync(dataset.Id);
        Assert.Equal(["+447700900002", "+447700900003", "+447700900005"], page.Items.Select(r => r.PhoneE164));
        Assert.Equal("7700900003", page.Items[1].Values["phone"]);
        Assert.Equal("Client 05", page.Items[2].Values["selector"]);
        Assert.Empty(Directory.GetFiles(Path.GetTempPath(), "consortium-import-*.xlsx"));
    }

    [Fact]
    public async Task XLSX_cells_are_read_as_their_text_with_dates_in_ISO_8601_and_numbers_in_the_invariant_culture()
    {
        var (alpha, dataset) = await GivenEmptyDatasetAsync();
        var workbook = Workbook(
            """<row r="1">""" + Text("A1", "phone") + Text("B1", "seen") + Text("C1", "at") + Text("D1", "amount") + Text("E1", "active") + "</row>" +
            """<row r="2">""" + Text("A2", "+33 6 12 34 56 78") + """<c r="B2" s="1"><v>44395</v></c><c r="C2" s="2"><v>44395.5</v></c><c r="D2"><v>1234.5</v></c><c r="E2" t="b"><v>1</v></c></row>""");

        var result = await alpha.ImportXlsxAsync(dataset.Id, workbook);

        Assert.Equal(1, result.Imported);
        var values = Assert.Single((await alpha.ListRecordsAsync(dataset.Id)).Items).Values;
        Assert.Equal("2021-07-18", values["seen"]);
        Assert.Equal("2021-07-18T12:00:00", values["at"]);
        Assert.Equal("1234.5", values["amount"]);
        Assert.Equal("TRUE", values["active"]);
    }

    [Fact]
    public async Task A_corrupt_XLSX_gets_a_problem_and_the_server_keeps_serving()
    {
        var (alpha, dataset) = await GivenEmptyDatasetAsync();
        var bytes = new byte[64 * 1024];
        new Random(7).NextBytes(bytes);

        var error = await Assert.ThrowsAsync<ConsortiumProblemException>(() => alpha.ImportXlsxAsync(dataset.Id, new MemoryStream(bytes)));

        Assert.Equal(HttpStatusCode.BadRequest, error.Status);
        Assert.Contains("XLSX", error.Detail!, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(Path.GetTempPath(), "consortium-import-*.xlsx"));
        var result = await alpha.ImportCsvAsync(dataset.Id, Csv("phone,country\n07700 900001,GB\n"));
        Assert.Equal(1, result.Imported);
        Assert.Equal("+447700900001", Assert.Single((await alpha.ListRecordsAsync(dataset.Id)).Items).PhoneE164);
    }

    [Fact]
    public async Task A_formula_in_the_header_row_refuses_the_file()
    {
        var (alpha, dataset) = await GivenEmptyDatasetAsync();
        var workbook = Workbook(
            """<row r="1">""" + Text("A1", "phone") + """<c r="B1" t="str"><f>"coun"&amp;"try"</f><v>country</v></c></row>""" +
            """<row r="2">""" + Text("A2", "07700 900002") + Text("B2", "GB") + "</row>");

        var error = await Assert.ThrowsAsync<ConsortiumProblemException>(() => alpha.ImportXlsxAsync(dataset.Id, workbook));

        Assert.Equal(HttpStatusCode.BadRequest, error.Status);
        Assert.Contains("B1", error.Detail!, StringComparison.Ordinal);
        Assert.Empty((await alpha.ListRecordsAsync(dataset.Id)).Items);
    }

    [Fact]
    public async Task A_sparse_sheet_with_shared_strings_imports_its_rows_with_missing_cells_empty()
    {
        var (alpha, dataset) = await GivenEmptyDatasetAsync();
        static string Shared(string cell, int index) => $"""<c r="{cell}" t="s"><v>{index}</v></c>""";
        // Rows 1-2 empty, the header on row 3, data on rows 5 and 9 only; row 5 lacks its B cell, row 9 repeats a shared string.
        var workbook = Workbook(
            """<row r="3">""" + Shared("A3", 0) + Shared("B3", 1) + Shared("C3", 2) + "</row>" +
            """<row r="5">""" + Text("A5", "+44 7700 900005") + Shared("C5", 3) + "</row>" +
            """<row r="9">""" + Text("A9", "+33 6 12 34 56 78") + Text("B9", "FR") + Shared("C9", 3) + "</row>",
            ["phone", "country", "selector", "Client shared"]);

        var result = await alpha.ImportXlsxAsync(dataset.Id, workbook);

        Assert.Equal(2, result.Imported);
        Assert.Empty(result.Errors);
        Assert.Equal(["phone", "country", "selector"], (await alpha.GetDatasetAsync(dataset.Id)).Columns);
        var page = await alpha.ListRecordsAsync(dataset.Id);
        Assert.Equal("", page.Items[0].Values["country"]);
        Assert.Equal(["Client shared", "Client shared"], page.Items.Select(r => r.Values["selector"]));
        Assert.Equal(["+447700900005", "+33612345678"], page.Items.Select(r => r.PhoneE164));
        Assert.Equal(["GB", "FR"], page.Items.Select(r => r.Country));
    }

    private async Task<(ConsortiumClient Alpha, DatasetView Dataset)> GivenEmptyDatasetAsync()
    {
        var alpha = Server.ClientFor("ines@alpha");
        var investigation = await alpha.CreateInvestigationAsync(new NewInvestigation("Nightjar", "Test investigation", ["bravo"]));
        return (alpha, await alpha.CreateDatasetAsync(investigation.Id, new NewDataset("Workbook", "", null)));
    }

    private static string Text(string cell, string text) => $"""<c r="{cell}" t="inlineStr"><is><t>{SecurityElement.Escape(text)}</t></is></c>""";

    /// <summary>A minimal XLSX (ExcelDataReader only reads): the OpenXML parts written by hand, one worksheet holding <paramref name="rows"/>.</summary>
    private static MemoryStream Workbook(string rows, IReadOnlyList<string>? sharedStrings = null)
    {
        var file = new MemoryStream();
        using (var zip = new ZipArchive(file, ZipArchiveMode.Create, leaveOpen: true))
        {
            void Part(string name, string xml)
            {
                using var writer = new StreamWriter(zip.CreateEntry(name).Open(), new UTF8Encoding(false));
                writer.Write(xml);
            }
            Part("[Content_Types].xml", """
                <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
                <Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
                  <Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
                  <Default Extension="xml" ContentType="application/xml"/>
                  <Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
                  <Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>
                  <Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
                  <Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>
                </Types>
                """);
            Part("_rels/.rels", """
                <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
                <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
                  <Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>
                </Relationships>
                """);
            Part("xl/workbook.xml", """
                <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
                <workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
                  <sheets><sheet name="Leak" sheetId="1" r:id="rId1"/></sheets>
                </workbook>
                """);
            Part("xl/_rels/workbook.xml.rels", """
                <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
                <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
                  <Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>
                  <Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>
                  <Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>
                </Relationships>
                """);
            // Cell styles: 0 general, 1 a date (built-in format 14), 2 a date and time (built-in format 22).
            Part("xl/styles.xml", """
                <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
                <styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
                  <cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/><xf numFmtId="22" applyNumberFormat="1"/></cellXfs>
                </styleSheet>
                """);
            var strings = string.Concat((sharedStrings ?? []).Select(t => $"<si><t>{SecurityElement.Escape(t)}</t></si>"));
            Part("xl/sharedStrings.xml", $"""
                <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
                <sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="{sharedStrings?.Count ?? 0}" uniqueCount="{sharedStrings?.Count ?? 0}">{strings}</sst>
                """);
            Part("xl/worksheets/sheet1.xml", $"""
                <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
                <worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{rows}</sheetData></worksheet>
                """);
        }
        file.Position = 0;
        return file;
    }
}
