using System.Net;
using System.Text;
using Npgsql;

namespace Consortium.Server.Tests.Records;

[CollectionDefinition(Name)]
public sealed class ImportJobsCollection : ICollectionFixture<SmallBatchServer>
{
    public const string Name = "Import jobs";
}

/// <summary>Batches of 1,000 rows (so a file of 100,000 takes 100 commits to watch) and uploads limited to 4 MB.</summary>
public sealed class SmallBatchServer : ConsortiumServer
{
    protected override IEnumerable<(string Key, string Value)> Settings =>
        [("Import:BatchSize", "1000"), ("Import:MaxUploadBytes", (4 * 1024 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture))];
}

[Collection(ImportJobsCollection.Name)]
public sealed class ImportJobTests(SmallBatchServer server) : ServerTest(server)
{
    internal static string Numbers(int count, int from = 0)
    {
        var csv = new StringBuilder("phone,country,selector\n");
        for (var i = from; i < from + count; i++)
        {
            csv.Append(System.Globalization.CultureInfo.InvariantCulture, $"+44 7700 {i:D6},GB,Client {i}\n");
        }
        return csv.ToString();
    }

    private async Task<(ConsortiumClient Client, DatasetView Dataset)> GivenEmptyDatasetAsync()
    {
        var alpha = Server.ClientFor("ines@alpha");
        var investigation = await alpha.CreateInvestigationAsync(new NewInvestigation("Nightjar", "Test investigation", ["bravo"]));
        return (alpha, await alpha.CreateDatasetAsync(investigation.Id, new NewDataset("Numbers", "")));
    }

    internal static async Task<ImportJobView> WaitForAsync(ConsortiumClient client, ImportJobView job, Func<ImportJobView, bool> condition)
    {
        for (var attempt = 0; attempt < 1200; attempt++)
        {
            job = await client.GetImportAsync(job.DatasetId, job.Id);
            if (condition(job))
            {
                return job;
            }
            await Task.Delay(50);
        }
        throw new TimeoutException($"The import stayed {job.State} at row {job.RowsRead}.");
    }

    [Fact]
    public async Task An_import_cancelled_half_way_keeps_whole_batches_and_resumed_ends_with_exactly_the_files_rows()
    {
        var (alpha, dataset) = await GivenEmptyDatasetAsync();

        var job = await alpha.UploadImportAsync(dataset.Id, Csv(Numbers(100_000)), "text/csv");
        Assert.Equal(ImportStates.Queued, job.State);
        job = await WaitForAsync(alpha, job, j => j.RowsRead > 0);
        await alpha.CancelImportAsync(dataset.Id, job.Id);
        var cancelled = await WaitForAsync(alpha, job, j => j.IsFinished);

        Assert.Equal(ImportStates.Cancelled, cancelled.State);
        Assert.InRange(cancelled.Imported, 1000, 99_000);
        Assert.Equal(0, cancelled.Imported % 1000);
        Assert.Equal(cancelled.Imported, cancelled.RowsRead);
        Assert.Equal(cancelled.Imported, (await alpha.GetDatasetAsync(dataset.Id)).RecordCount);

        var resumed = await alpha.ResumeImportAsync(dataset.Id, job.Id, wait: true);

        Assert.Equal(ImportStates.Completed, resumed.State);
        Assert.Equal(100_000, resumed.Imported);
        Assert.Equal(0, resumed.Duplicates);
        Assert.Equal(100_000, (await alpha.GetDatasetAsync(dataset.Id)).RecordCount);
        var tail = await alpha.ListRecordsAsync(dataset.Id, after: 99_998);
        Assert.Equal([99_999L, 100_000L], tail.Items.Select(r => r.RowNumber));
        Assert.Equal("+447700099999", tail.Items[^1].PhoneE164);
        var audit = await alpha.ListAuditAsync(dataset.InvestigationId);
        Assert.Contains(audit.Items, e => e.Action == AuditActions.ImportStarted);
        Assert.Contains(audit.Items, e => e.Action == AuditActions.ImportCancelled);
        Assert.Contains(audit.Items, e => e.Action == AuditActions.ImportResumed);
        Assert.Contains(audit.Items, e => e.Action == AuditActions.RecordsImported && e.Detail!.Contains("100000 imported", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Rows_repeated_in_later_batches_of_one_file_are_stored_once_with_row_numbers_in_file_order()
    {
        var (alpha, dataset) = await GivenEmptyDatasetAsync();
        // Batches of 1,000: rows 3,001-4,000 repeat the batch just before them (possibly still being written), rows
        // 4,001-5,000 repeat the first batch (long committed), and row 5,001 is new.
        static string Rows(int count, int from = 0) => Numbers(count, from)[(Numbers(0).Length)..];
        var csv = Numbers(3_000) + Rows(1_000, from: 2_000) + Rows(1_000) + Rows(1, from: 7_000);

        var done = await alpha.UploadImportAsync(dataset.Id, Csv(csv), "text/csv", wait: true);

        Assert.Equal(ImportStates.Completed, done.State);
        Assert.Equal(3_001, done.Imported);
        Assert.Equal(2_000, done.Duplicates);
        Assert.Equal(3_001, (await alpha.GetDatasetAsync(dataset.Id)).RecordCount);
        var tail = await alpha.ListRecordsAsync(dataset.Id, after: 2_999);
        Assert.Equal([3_000L, 3_001L], tail.Items.Select(r => r.RowNumber));
        Assert.Equal("+447700002999", tail.Items[0].PhoneE164);
        Assert.Equal("+447700007000", tail.Items[1].PhoneE164);
    }

    [Fact]
    public async Task A_second_import_into_a_dataset_while_one_runs_is_refused_with_409_and_stores_nothing()
    {
        var (alpha, dataset) = await GivenEmptyDatasetAsync();
        var first = await alpha.UploadImportAsync(dataset.Id, Csv(Numbers(50_000)), "text/csv");

        var refused = await Assert.ThrowsAsync<ConsortiumProblemException>(() =>
            Server.ClientFor("ines@alpha").UploadImportAsync(dataset.Id, Csv(Numbers(10, from: 900_000)), "text/csv"));

        Assert.Equal(HttpStatusCode.Conflict, refused.Status);
        var done = await WaitForAsync(alpha, first, j => j.IsFinished);
        Assert.Equal(50_000, done.Imported);
        Assert.Equal(50_000, (await alpha.GetDatasetAsync(dataset.Id)).RecordCount);
        Assert.Single(await alpha.ListImportsAsync(dataset.Id));
    }

    [Fact]
    public async Task An_upload_over_the_size_limit_gets_a_413_problem_and_nothing_is_stored()
    {
        var (alpha, dataset) = await GivenEmptyDatasetAsync();
        await alpha.ImportCsvAsync(dataset.Id, Csv(Numbers(3)));
        var big = Numbers(100_000, from: 100);   // about 3.4 MB: under the limit, so twice that is over
        var file = new MemoryStream(Encoding.UTF8.GetBytes(big + big[big.IndexOf('\n', StringComparison.Ordinal)..]));

        var error = await Assert.ThrowsAsync<ConsortiumProblemException>(() => alpha.ImportCsvAsync(dataset.Id, file));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, error.Status);
        Assert.Equal("File too large", error.Title);
        Assert.Equal(3, (await alpha.GetDatasetAsync(dataset.Id)).RecordCount);
        Assert.Single(await alpha.ListImportsAsync(dataset.Id));
    }

    [Fact]
    public async Task A_declared_schema_normalises_by_kind_and_keeps_the_originals()
    {
        var alpha = Server.ClientFor("ines@alpha");
        var investigation = await alpha.CreateInvestigationAsync(new NewInvestigation("Nightjar", "Test investigation", ["bravo"]));
        var dataset = await alpha.CreateDatasetAsync(investigation.Id, new NewDataset("Declared", "", null,
            [new DatasetColumn("target", ColumnKinds.Phone), new DatasetColumn("land", ColumnKinds.Country), new DatasetColumn("when", ColumnKinds.Date), new DatasetColumn("who", ColumnKinds.Person)]));
        Assert.Equal(["target", "land", "when", "who"], dataset.Columns);

        var result = await alpha.ImportCsvAsync(dataset.Id, Csv(
            "target,land,when,who\n" +
            "06 12 34 56 78,France,2021-07-18T09:30:00Z,Amélie Durand\n" +
            "\"+1 (202) 555-0101\",,18.07.2021,John Doe\n" +
            "not a phone,FR,2021-07-18,Nobody\n"));

        Assert.Equal(2, result.Imported);
        Assert.Equal("target", Assert.Single(result.Errors).Column);
        var page = await alpha.ListRecordsAsync(dataset.Id);
        Assert.Equal(["+33612345678", "+12025550101"], page.Items.Select(r => r.PhoneE164));
        Assert.Equal(["FR", "US"], page.Items.Select(r => r.Country));
        Assert.Equal(["2021-07-18", "2021-07-18"], page.Items.Select(r => r.Date));
        Assert.Equal("France", page.Items[0].Values["land"]);
        Assert.Equal("06 12 34 56 78", page.Items[0].Values["target"]);
    }

    [Fact]
    public async Task Without_a_schema_kinds_are_inferred_from_the_header_and_the_country_comes_from_the_number()
    {
        var (alpha, dataset) = await GivenEmptyDatasetAsync();

        await alpha.ImportCsvAsync(dataset.Id, Csv("Mobile Phone,Seen Date,name\n447700900123,2020-02-29,A\n+49 30 901820,2020-03-01,B\n"));

        var stored = await alpha.GetDatasetAsync(dataset.Id);
        Assert.Equal([ColumnKinds.Phone, ColumnKinds.Date, ColumnKinds.Free], stored.Schema!.Select(c => c.Kind));
        var page = await alpha.ListRecordsAsync(dataset.Id);
        Assert.Equal(["+447700900123", "+4930901820"], page.Items.Select(r => r.PhoneE164));
        Assert.Equal(["GB", "DE"], page.Items.Select(r => r.Country));
        Assert.Equal(["2020-02-29", "2020-03-01"], page.Items.Select(r => r.Date));
    }

    [Fact]
    public async Task A_schema_with_an_unknown_kind_is_refused()
    {
        var alpha = Server.ClientFor("ines@alpha");
        var investigation = await alpha.CreateInvestigationAsync(new NewInvestigation("Nightjar", "Test investigation", ["bravo"]));

        var error = await Assert.ThrowsAsync<ConsortiumProblemException>(() => alpha.CreateDatasetAsync(investigation.Id,
            new NewDataset("Bad", "", null, [new DatasetColumn("a", "colour")])));

        Assert.Equal(HttpStatusCode.BadRequest, error.Status);
    }

    [Fact]
    public async Task Bad_quotes_stop_reading_with_a_reported_row_and_the_rows_before_import()
    {
        var (alpha, dataset) = await GivenEmptyDatasetAsync();

        var result = await alpha.ImportCsvAsync(dataset.Id, Csv("phone,country,selector\n+44 7700 900001,GB,ok\n+44 7700 900002,GB,\"open quote\n+44 7700 900003,GB,never read\n"));

        Assert.Equal(1, result.Imported);
        var error = Assert.Single(result.Errors);
        Assert.Equal(2, error.Row);
        Assert.Equal(1, (await alpha.GetDatasetAsync(dataset.Id)).RecordCount);
    }

    [Fact]
    public async Task The_error_report_stays_with_the_job()
    {
        var (alpha, dataset) = await GivenEmptyDatasetAsync();

        var job = await alpha.UploadImportAsync(dataset.Id, Csv("phone,country\n+44 7700 900001,GB\nnope,GB\n+44 7700 900002\n"), "text/csv", wait: true);

        var stored = await alpha.GetImportAsync(dataset.Id, job.Id);
        Assert.Equal(ImportStates.Completed, stored.State);
        Assert.Equal([(2L, "phone"), (3L, (string?)null)], stored.Errors.Select(e => (e.Row, e.Column)));
        Assert.Equal(2, stored.Rejected);
    }
}

/// <summary>
/// A server stopped in the middle of an import, and a new one started on the same database and spool folder: the new
/// one continues the import from its last committed batch. Two servers of its own, so no collection fixture.
/// </summary>
public sealed class ImportRestartTests
{
    private sealed class RestartableServer(string database, string keys, string spool) : ConsortiumServer
    {
        protected override string? SharedDatabase => database;

        protected override IEnumerable<(string Key, string Value)> Settings =>
            [("Import:BatchSize", "1000"), ("Import:SpoolDirectory", spool), ("Identity:KeysDirectory", keys)];
    }

    [Fact]
    public async Task A_server_stopped_half_way_leaves_whole_batches_and_the_next_server_finishes_the_import()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        var keys = Directory.CreateTempSubdirectory("consortium-restart-keys").FullName;
        var spool = Directory.CreateTempSubdirectory("consortium-restart-spool").FullName;
        try
        {
            var first = new RestartableServer(database, keys, spool);
            await ((IAsyncLifetime)first).InitializeAsync();
            await first.ResetAsync();
            var alpha = first.ClientFor("ines@alpha");
            var account = await first.Accounts.AccountAsync("ines@alpha");
            var investigation = await alpha.CreateInvestigationAsync(new NewInvestigation("Nightjar", "Test investigation", ["bravo"]));
            var dataset = await alpha.CreateDatasetAsync(investigation.Id, new NewDataset("Numbers", ""));
            var job = await alpha.UploadImportAsync(dataset.Id, new MemoryStream(Encoding.UTF8.GetBytes(ImportJobTests.Numbers(200_000))), "text/csv");
            job = await ImportJobTests.WaitForAsync(alpha, job, j => j.RowsRead >= 2000);

            await ((IAsyncLifetime)first).DisposeAsync();

            // Between the two servers, as an operator would look: whole batches only, and the job's checkpoint says so.
            var (rows, lastRow, checkpoint, state) = await StoredAsync(database, dataset.Id, job.Id);
            Assert.Equal(0, rows % 1000);
            Assert.Equal(rows, lastRow);
            Assert.Equal(rows, checkpoint);
            Assert.True(rows < 200_000, "The import finished before the server stopped; nothing was tested.");
            Assert.Equal(ImportStates.Running, state);

            var second = new RestartableServer(database, keys, spool);
            await ((IAsyncLifetime)second).InitializeAsync();
            try
            {
                // The same person signs in again on the new server (its tokens name the new server's address as issuer).
                second.Accounts.Remember("ines@alpha", account);
                var again = second.ClientFor("ines@alpha");
                var done = await ImportJobTests.WaitForAsync(again, job, j => j.IsFinished);

                Assert.Equal(ImportStates.Completed, done.State);
                Assert.Equal(200_000, done.Imported);
                Assert.Equal(0, done.Duplicates);
                Assert.Equal(200_000, (await again.GetDatasetAsync(dataset.Id)).RecordCount);
                var after = await StoredAsync(database, dataset.Id, job.Id);
                Assert.Equal(200_000, after.Rows);
                Assert.Equal(200_000, after.LastRow);
            }
            finally
            {
                await ((IAsyncLifetime)second).DisposeAsync();
            }
        }
        finally
        {
            await TestPostgres.DropDatabaseAsync(database);
            Directory.Delete(keys, recursive: true);
            Directory.Delete(spool, recursive: true);
        }
    }

    private static async Task<(long Rows, long LastRow, long Checkpoint, string State)> StoredAsync(string database, Guid datasetId, Guid jobId)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            """
            select (select count(*) from consortium.mt_doc_leakedrecord where dataset_id = $1),
                   (select coalesce(max(row_number), 0) from consortium.mt_doc_leakedrecord where dataset_id = $1),
                   (select (data ->> 'rowsRead')::bigint from consortium.mt_doc_importjob where id = $2),
                   (select data ->> 'state' from consortium.mt_doc_importjob where id = $2)
            """, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = datasetId });
        command.Parameters.Add(new NpgsqlParameter { Value = jobId });
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetString(3));
    }
}

/// <summary>
/// The spool folder keeps an upload only while it may still be needed: until its job completes, or, for a cancelled or
/// failed job, until the retention (here one second) passes without a resume. A server of its own for its own folder.
/// </summary>
public sealed class ImportSpoolTests
{
    private sealed class ShortRetentionServer(string spool) : ConsortiumServer
    {
        protected override IEnumerable<(string Key, string Value)> Settings =>
            [("Import:BatchSize", "1000"), ("Import:SpoolDirectory", spool), ("Import:SpoolRetention", "00:00:01")];
    }

    [Fact]
    public async Task A_completed_import_leaves_no_upload_and_a_cancelled_one_loses_its_upload_after_the_retention()
    {
        var spool = Directory.CreateTempSubdirectory("consortium-spool").FullName;
        var server = new ShortRetentionServer(spool);
        await ((IAsyncLifetime)server).InitializeAsync();
        try
        {
            var alpha = server.ClientFor("ines@alpha");
            var investigation = await alpha.CreateInvestigationAsync(new NewInvestigation("Nightjar", "Test investigation", ["bravo"]));
            var complete = await alpha.CreateDatasetAsync(investigation.Id, new NewDataset("Complete", ""));
            var done = await alpha.UploadImportAsync(complete.Id, new MemoryStream(Encoding.UTF8.GetBytes(ImportJobTests.Numbers(3_000))), "text/csv", wait: true);
            Assert.Equal(ImportStates.Completed, done.State);
            Assert.Empty(Directory.GetFiles(spool));

            var partial = await alpha.CreateDatasetAsync(investigation.Id, new NewDataset("Partial", ""));
            var job = await alpha.UploadImportAsync(partial.Id, new MemoryStream(Encoding.UTF8.GetBytes(ImportJobTests.Numbers(100_000))), "text/csv");
            job = await ImportJobTests.WaitForAsync(alpha, job, j => j.RowsRead > 0);
            await alpha.CancelImportAsync(partial.Id, job.Id);
            var cancelled = await ImportJobTests.WaitForAsync(alpha, job, j => j.IsFinished);
            Assert.Equal(ImportStates.Cancelled, cancelled.State);

            // The sweeper runs every quarter second here; poll the folder as an operator would.
            for (var attempt = 0; attempt < 200 && Directory.GetFiles(spool).Length > 0; attempt++)
            {
                await Task.Delay(100);
            }
            Assert.Empty(Directory.GetFiles(spool));
            var refused = await Assert.ThrowsAsync<ConsortiumProblemException>(() => alpha.ResumeImportAsync(partial.Id, job.Id));
            Assert.Equal(HttpStatusCode.Conflict, refused.Status);
            Assert.Equal(cancelled.Imported, (await alpha.GetDatasetAsync(partial.Id)).RecordCount);

            // Sending the file again completes the dataset; the rows already stored are skipped, not added twice.
            var again = await alpha.UploadImportAsync(partial.Id, new MemoryStream(Encoding.UTF8.GetBytes(ImportJobTests.Numbers(100_000))), "text/csv", wait: true);
            Assert.Equal(ImportStates.Completed, again.State);
            Assert.Equal(cancelled.Imported, again.Duplicates);
            Assert.Equal(100_000, (await alpha.GetDatasetAsync(partial.Id)).RecordCount);
            Assert.Empty(Directory.GetFiles(spool));
        }
        finally
        {
            await ((IAsyncLifetime)server).DisposeAsync();
            Directory.Delete(spool, recursive: true);
        }
    }

    [Fact]
    public async Task An_upload_no_job_knows_is_deleted_once_older_than_the_retention_and_other_files_stay()
    {
        var spool = Directory.CreateTempSubdirectory("consortium-spool").FullName;
        // What a server stopped between storing an upload and queueing its job leaves behind, and a file not ours.
        var orphan = Path.Combine(spool, $"{Guid.CreateVersion7():N}.upload");
        await File.WriteAllTextAsync(orphan, ImportJobTests.Numbers(10));
        File.SetLastWriteTimeUtc(orphan, DateTime.UtcNow.AddMinutes(-5));
        var notOurs = Path.Combine(spool, "README.txt");
        await File.WriteAllTextAsync(notOurs, "kept by the operator");
        File.SetLastWriteTimeUtc(notOurs, DateTime.UtcNow.AddMinutes(-5));
        var server = new ShortRetentionServer(spool);
        await ((IAsyncLifetime)server).InitializeAsync();
        try
        {
            for (var attempt = 0; attempt < 200 && File.Exists(orphan); attempt++)
            {
                await Task.Delay(100);
            }
            Assert.False(File.Exists(orphan));
            Assert.True(File.Exists(notOurs));

            // An upload its job still needs stays, however old: a running import's, past two sweeps.
            var alpha = server.ClientFor("ines@alpha");
            var investigation = await alpha.CreateInvestigationAsync(new NewInvestigation("Nightjar", "Test investigation", ["bravo"]));
            var dataset = await alpha.CreateDatasetAsync(investigation.Id, new NewDataset("Numbers", ""));
            var job = await alpha.UploadImportAsync(dataset.Id, new MemoryStream(Encoding.UTF8.GetBytes(ImportJobTests.Numbers(300_000))), "text/csv");
            var upload = Path.Combine(spool, $"{job.Id:N}.upload");
            await Task.Delay(TimeSpan.FromSeconds(2.5));
            var running = await alpha.GetImportAsync(dataset.Id, job.Id);
            Assert.False(running.IsFinished, "the import finished before the sweeps could have reached its upload; make the file larger");
            Assert.True(File.Exists(upload));
            await alpha.CancelImportAsync(dataset.Id, job.Id);
            await ImportJobTests.WaitForAsync(alpha, job, j => j.IsFinished);
        }
        finally
        {
            await ((IAsyncLifetime)server).DisposeAsync();
            Directory.Delete(spool, recursive: true);
        }
    }
}
