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
}
