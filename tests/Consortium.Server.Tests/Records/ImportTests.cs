using System.Net;
using System.Text;

namespace Consortium.Server.Tests.Records;

[Collection(RecordsCollection.Name)]
public sealed class ImportTests(ConsortiumServer server) : ServerTest(server)
{
    private const string ThreeNumbers =
        "phone,country,selector\n" +
        "07700 900123,GB,Client 01\n" +
        "\"+44 20 7946 0456\",,Client 02\n" +
        "(202) 555-0101,US,\"Client 03, second desk\"\n";

    [Fact]
    public async Task Imported_rows_are_listed_in_order_with_numbers_normalised_to_E164_and_originals_kept()
    {
        var (_, dataset) = await GivenInvestigationWithDatasetAsync(ThreeNumbers);

        var page = await Server.ClientFor("tom@bravo").ListRecordsAsync(dataset.Id);

        Assert.Equal(3, dataset.RecordCount);
        Assert.Equal(["phone", "country", "selector"], dataset.Columns);
        Assert.Equal(["+447700900123", "+442079460456", "+12025550101"], page.Items.Select(r => r.PhoneE164));
        Assert.Equal([1L, 2L, 3L], page.Items.Select(r => r.RowNumber));
        Assert.Equal("GB", page.Items[1].Country);
        Assert.Equal("+44 20 7946 0456", page.Items[1].Values["phone"]);
        Assert.Equal("Client 03, second desk", page.Items[2].Values["selector"]);
        Assert.Null(page.Next);
    }

    [Fact]
    public async Task Semicolon_separated_file_with_a_byte_order_mark_imports()
    {
        var (_, dataset) = await GivenInvestigationWithDatasetAsync("phone;country\n07700 900001;GB\n");
        var alpha = Server.ClientFor("ines@alpha");
        var bom = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes("phone;country\n07700 900002;GB\n")).ToArray();

        var result = await alpha.ImportCsvAsync(dataset.Id, new MemoryStream(bom));

        Assert.Equal(1, result.Imported);
        var page = await alpha.ListRecordsAsync(dataset.Id);
        Assert.Equal(["+447700900001", "+447700900002"], page.Items.Select(r => r.PhoneE164));
    }

    [Fact]
    public async Task Bad_rows_are_reported_by_row_and_column_while_good_rows_import()
    {
        var (_, dataset) = await GivenInvestigationWithDatasetAsync("phone,country\n07700 900001,GB\n");
        var alpha = Server.ClientFor("ines@alpha");

        var result = await alpha.ImportCsvAsync(dataset.Id, Csv(
            "phone,country\n" +
            "07700 900002,GB\n" +
            "07700 900003\n" +          // ragged: one field missing
            "not a number,GB\n" +
            "07700 900004,GB\n"));

        Assert.Equal(2, result.Imported);
        Assert.Equal(2, result.Rejected);
        Assert.Equal(2, result.Errors[0].Row);
        Assert.Null(result.Errors[0].Column);
        Assert.Equal(3, result.Errors[1].Row);
        Assert.Equal("phone", result.Errors[1].Column);
        var page = await alpha.ListRecordsAsync(dataset.Id);
        Assert.Equal(["+447700900001", "+447700900002", "+447700900004"], page.Items.Select(r => r.PhoneE164));
        Assert.Equal([1L, 2L, 3L], page.Items.Select(r => r.RowNumber));
    }

    [Theory]
    [InlineData("")]
    [InlineData("phone,phone\n07700 900009,07700 900010\n")]
    [InlineData("country,selector\nGB,Client 01\n")]
    public async Task Unusable_file_is_refused_with_problem_details_and_nothing_already_stored_is_lost(string csv)
    {
        var (_, dataset) = await GivenInvestigationWithDatasetAsync("phone,country\n07700 900001,GB\n");
        var alpha = Server.ClientFor("ines@alpha");

        var error = await Assert.ThrowsAsync<ConsortiumProblemException>(() => alpha.ImportCsvAsync(dataset.Id, Csv(csv)));

        Assert.Equal(HttpStatusCode.BadRequest, error.Status);
        Assert.False(string.IsNullOrWhiteSpace(error.Detail));
        var page = await alpha.ListRecordsAsync(dataset.Id);
        Assert.Equal("+447700900001", Assert.Single(page.Items).PhoneE164);
    }

    [Fact]
    public async Task Import_into_another_outlets_dataset_is_not_found_and_stores_nothing()
    {
        var (_, dataset) = await GivenInvestigationWithDatasetAsync("phone,country\n07700 900001,GB\n");

        var error = await Assert.ThrowsAsync<ConsortiumProblemException>(() =>
            Server.ClientFor("carl@charlie").ImportCsvAsync(dataset.Id, Csv("phone,country\n07700 900002,GB\n")));

        Assert.Equal(HttpStatusCode.NotFound, error.Status);
        Assert.Equal(1, (await Server.ClientFor("ines@alpha").GetDatasetAsync(dataset.Id)).RecordCount);
    }

    [Fact]
    public async Task Import_into_an_unknown_dataset_is_not_found()
    {
        var error = await Assert.ThrowsAsync<ConsortiumProblemException>(() =>
            Server.ClientFor("ines@alpha").ImportCsvAsync(Guid.NewGuid(), Csv("phone\n07700 900002\n")));
        Assert.Equal(HttpStatusCode.NotFound, error.Status);
    }
    [Fact]
    public async Task Importing_the_same_file_twice_stores_its_rows_once_and_reports_them_as_duplicates()
    {
        var (_, dataset) = await GivenInvestigationWithDatasetAsync(ThreeNumbers);
        var alpha = Server.ClientFor("ines@alpha");

        var again = await alpha.ImportCsvAsync(dataset.Id, Csv(ThreeNumbers));

        Assert.Equal(0, again.Imported);
        Assert.Equal(3, again.Duplicates);
        Assert.Equal(0, again.Rejected);
        Assert.Equal(3, (await alpha.GetDatasetAsync(dataset.Id)).RecordCount);
        Assert.Equal([1L, 2L, 3L], (await alpha.ListRecordsAsync(dataset.Id)).Items.Select(r => r.RowNumber));
    }

    [Fact]
    public async Task A_row_repeated_in_a_file_is_stored_once_even_across_batches()
    {
        var (_, dataset) = await GivenInvestigationWithDatasetAsync("phone,country\n07700 900001,GB\n");
        var alpha = Server.ClientFor("ines@alpha");
        var csv = new StringBuilder("phone,country\n");
        for (var i = 0; i < 6000; i++)
        {
            csv.Append($"+44 7700 {i:D6},GB\n");
        }
        csv.Append("+44 7700 000010,GB\n");   // repeats a row of the first batch, in the second
        csv.Append("07700 900001,GB\n");       // already in the dataset
        csv.Append("+44 7700 999999,GB\n+44 7700 999999,GB\n");   // repeated within one batch

        var result = await alpha.ImportCsvAsync(dataset.Id, Csv(csv.ToString()));

        Assert.Equal(6001, result.Imported);
        Assert.Equal(3, result.Duplicates);
        Assert.Equal(6002, (await alpha.GetDatasetAsync(dataset.Id)).RecordCount);
        var last = await alpha.ListRecordsAsync(dataset.Id, after: 6000);
        Assert.Equal([6001L, 6002L], last.Items.Select(r => r.RowNumber));
        Assert.Equal("+447700999999", last.Items[^1].PhoneE164);
    }

    [Fact]
    public async Task An_upload_broken_off_half_way_stores_nothing_and_queues_no_import()
    {
        var (_, dataset) = await GivenInvestigationWithDatasetAsync("phone,country\n07700 900001,GB\n");
        var alpha = Server.ClientFor("ines@alpha");
        var rows = new StringBuilder("phone,country\n");
        for (var i = 0; i < 12000; i++)
        {
            rows.Append($"+44 7700 {i:D6},GB\n");
        }

        await Assert.ThrowsAnyAsync<Exception>(() => alpha.ImportCsvAsync(dataset.Id, new FailingStream(Encoding.UTF8.GetBytes(rows.ToString()))));

        await WaitUntilUnlockedAsync(alpha, dataset.Id);
        // Only the one-row imports (set-up, and the probe above) are listed: the broken upload never became a job.
        Assert.All(await alpha.ListImportsAsync(dataset.Id), job => Assert.Equal(1, job.RowsRead));
        Assert.Equal(1, (await alpha.GetDatasetAsync(dataset.Id)).RecordCount);
        Assert.Equal("+447700900001", Assert.Single((await alpha.ListRecordsAsync(dataset.Id)).Items).PhoneE164);
    }

    [Fact]
    public async Task JSON_Lines_import_keys_as_columns_and_report_lines_that_are_not_objects()
    {
        var (_, dataset) = await GivenInvestigationWithDatasetAsync("phone,country,selector\n07700 900001,GB,Client 01\n");
        var alpha = Server.ClientFor("ines@alpha");
        var lines =
            "{\"phone\": \"07700 900002\", \"country\": \"GB\", \"selector\": \"Client 02\"}\n" +
            "[1, 2, 3]\n" +
            "\n" +
            "{\"selector\": 7, \"country\": \"GB\", \"phone\": \"07700 900003\"}\n" +
            "{\"phone\": \"07700 900004\", \"country\": \"GB\"}\n" +
            "{\"phone\": \"07700 900005\", \"country\": \"GB\", \"sel\n" +
            "{\"phone\": \"07700 900006\", \"country\": null, \"selector\": {\"nested\": true}}\n" +
            "{\"phone\": \"07700 900001\", \"country\": \"GB\", \"selector\": \"Client 01\"}\n";

        var result = await alpha.ImportJsonLinesAsync(dataset.Id, Csv(lines));

        Assert.Equal(2, result.Imported);
        Assert.Equal(1, result.Duplicates);
        Assert.Equal([2L, 5L, 6L, 7L], result.Errors.Select(e => e.Row));
        Assert.Equal("selector", result.Errors[3].Column);
        var page = await alpha.ListRecordsAsync(dataset.Id);
        Assert.Equal(["+447700900001", "+447700900002", "+447700900003"], page.Items.Select(r => r.PhoneE164));
        Assert.Equal("7", page.Items[2].Values["selector"]);
    }

    [Fact]
    public async Task JSON_Lines_into_a_new_dataset_take_their_columns_from_the_first_object()
    {
        var alpha = Server.ClientFor("ines@alpha");
        var investigation = await alpha.CreateInvestigationAsync(new NewInvestigation("Nightjar", "Test investigation", ["bravo"]));
        var dataset = await alpha.CreateDatasetAsync(investigation.Id, new NewDataset("Lines", "", null));

        var result = await alpha.ImportJsonLinesAsync(dataset.Id, Csv("not json\n{\"msisdn\": \"+33612345678\", \"seen\": \"2021-07-18\"}\n"));

        Assert.Equal(1, result.Imported);
        Assert.Equal(1, Assert.Single(result.Errors).Row);
        var stored = await alpha.GetDatasetAsync(dataset.Id);
        Assert.Equal(["msisdn", "seen"], stored.Columns);
        Assert.Equal("+33612345678", Assert.Single((await alpha.ListRecordsAsync(dataset.Id)).Items).PhoneE164);
    }

    [Fact]
    public async Task An_empty_JSON_Lines_file_is_refused()
    {
        var (_, dataset) = await GivenInvestigationWithDatasetAsync("phone,country\n07700 900001,GB\n");

        var error = await Assert.ThrowsAsync<ConsortiumProblemException>(() => Server.ClientFor("ines@alpha").ImportJsonLinesAsync(dataset.Id, new MemoryStream()));

        Assert.Equal(HttpStatusCode.BadRequest, error.Status);
    }

    [Fact]
    public async Task Rows_that_are_not_UTF8_are_rejected_with_their_column_and_the_rest_imports()
    {
        var (_, dataset) = await GivenInvestigationWithDatasetAsync("phone,country,selector\n07700 900001,GB,Client 01\n");
        var alpha = Server.ClientFor("ines@alpha");
        byte[] bytes =
        [
            .. "phone,country,selector\n07700 900002,GB,Client "u8, 0xC3, 0x28, (byte)'\n',   // not UTF-8: Latin-1 style bytes
            .. "07700 900003,GB,Client 03\n"u8,
            .. "07700 900004,GB,A\0B\n"u8,
        ];

        var result = await alpha.ImportCsvAsync(dataset.Id, new MemoryStream(bytes));

        Assert.Equal(1, result.Imported);
        Assert.Equal([1L, 3L], result.Errors.Select(e => e.Row));
        Assert.All(result.Errors, e => Assert.Equal("selector", e.Column));
        Assert.Equal(["+447700900001", "+447700900003"], (await alpha.ListRecordsAsync(dataset.Id)).Items.Select(r => r.PhoneE164));
    }

    [Theory]
    [InlineData("text/csv", "phone,country\n")]
    [InlineData("text/csv", "")]
    [InlineData("application/x-ndjson", "{\"phone\": \"07700 900002\", \"country\": \"GB\"}\n")]
    public async Task A_50_MB_line_gets_a_clear_problem_and_the_server_keeps_serving(string mediaType, string before)
    {
        var (_, dataset) = await GivenInvestigationWithDatasetAsync("phone,country\n07700 900001,GB\n");
        var alpha = Server.ClientFor("ines@alpha");
        var file = new MemoryStream();
        file.Write(Encoding.UTF8.GetBytes(before));
        file.Write(Enumerable.Repeat((byte)'7', 50 * 1024 * 1024).ToArray());
        file.Write("\n"u8);
        file.Position = 0;

        string problem;
        try
        {
            var result = await alpha.ImportAsync(dataset.Id, file, mediaType);
            problem = Assert.Single(result.Errors).Reason;
        }
        catch (ConsortiumProblemException e)
        {
            Assert.Equal(HttpStatusCode.BadRequest, e.Status);
            problem = e.Detail!;
        }

        Assert.Contains("longer than", problem, StringComparison.Ordinal);
        var page = await alpha.ListRecordsAsync(dataset.Id);
        Assert.Equal("+447700900001", page.Items[0].PhoneE164);
    }

    private static async Task WaitUntilUnlockedAsync(ConsortiumClient client, Guid datasetId)
    {
        // The server notices the broken upload when its next read fails; its rollback may land just after our error.
        for (var attempt = 0; attempt < 50; attempt++)
        {
            try
            {
                await client.ImportCsvAsync(datasetId, Csv("phone,country\n07700 900001,GB\n"));
                return;
            }
            catch (ConsortiumProblemException e) when (e.Status == HttpStatusCode.Conflict)
            {
                await Task.Delay(100);
            }
        }
    }

    /// <summary>Gives its bytes, then fails: the upload breaks off after the server has written some batches.</summary>
    /// <summary>A file whose second half cannot be read: the upload breaks off half way, after its length was announced.</summary>
    private sealed class FailingStream(byte[] bytes) : MemoryStream(bytes)
    {
        private bool Broken => Position >= Length / 2;

        public override int Read(byte[] buffer, int offset, int count) =>
            Broken ? throw new IOException("The disk went away.") : base.Read(buffer, offset, (int)Math.Min(count, Length / 2 - Position));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            Broken ? throw new IOException("The disk went away.") : base.ReadAsync(buffer, offset, (int)Math.Min(count, Length / 2 - Position), cancellationToken);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Broken ? throw new IOException("The disk went away.") : base.ReadAsync(buffer[..(int)Math.Min(buffer.Length, Length / 2 - Position)], cancellationToken);
    }
}
