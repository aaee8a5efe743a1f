using System.CommandLine;
using Consortium.Client;
using Microsoft.AspNetCore.SignalR.Client;
using Spectre.Console;

namespace Consortium.Cli;

internal static class ListInvestigations
{
    public static Command Command()
    {
        var command = new Command("investigations", "List the investigations your outlet is a member of, with their datasets.");
        command.SetAction((parse, cancellationToken) => CliOptions.Run(async () =>
        {
            var client = CliOptions.Client(parse);
            var table = new Table().AddColumns("Investigation", "Dataset", "Dataset id", "Records", "Shared with");
            // Ids are copied into the next command: never wrapped.
            table.Columns[2].NoWrap();
            foreach (var investigation in await client.ListInvestigationsAsync(cancellationToken))
            {
                foreach (var dataset in await client.ListDatasetsAsync(investigation.Id, cancellationToken))
                {
                    table.AddRow(Markup.Escape(investigation.Name), Markup.Escape(dataset.Name), dataset.Id.ToString(), dataset.RecordCount.ToString("N0"),
                        dataset.SharedWithOutletIds is null ? "all members" : Markup.Escape(string.Join(", ", dataset.SharedWithOutletIds)));
                }
            }
            AnsiConsole.Write(table);
        }));
        return command;
    }
}

internal static class ImportCsv
{
    public static Command Command()
    {
        var dataset = new Option<Guid>("--dataset") { Description = "The dataset to import into.", Required = true };
        var detach = new Option<bool>("--detach") { Description = "Return once the file is uploaded and its import queued; follow it with 'consortium import-status'." };
        var file = new Argument<FileInfo>("file") { Description = "A CSV file whose first row names the columns, JSON Lines (.jsonl, .ndjson) with one object per line, or an Excel workbook (.xlsx) whose first worksheet's first row names the columns." };
        var command = new Command("import", "Import a CSV, JSON Lines or XLSX file into a dataset, with a progress bar (upload, then the server's import); Ctrl+C cancels after the batch being written, and 'consortium import-resume' continues it. Rows that cannot be read are listed.") { dataset, detach, file };
        command.SetAction((parse, cancellationToken) => CliOptions.Run(async () =>
        {
            var client = CliOptions.Client(parse);
            var path = parse.GetValue(file)!;
            var datasetId = parse.GetValue(dataset);
            ImportJobView job = null!;
            await AnsiConsole.Progress().StartAsync(async progress =>
            {
                var upload = progress.AddTask($"Uploading {Markup.Escape(path.Name)}", maxValue: Math.Max(1, path.Length));
                await using var stream = new ProgressStream(path.OpenRead(), read => upload.Increment(read));
                var mediaType = path.Extension.ToLowerInvariant() switch
                {
                    ".jsonl" or ".ndjson" => "application/x-ndjson",
                    ".xlsx" => ConsortiumClient.XlsxMediaType,
                    _ => "text/csv",
                };
                job = await client.UploadImportAsync(datasetId, stream, mediaType, wait: false, cancellationToken);
                upload.Value = upload.MaxValue;
                if (!parse.GetValue(detach))
                {
                    job = await ImportProgress.FollowAsync(client, job, progress, cancellationToken);
                }
            });
            ImportProgress.Print(job);
        }));
        return command;
    }
}

internal static class ImportStatus
{
    public static Command Command()
    {
        var dataset = new Option<Guid>("--dataset") { Description = "The dataset.", Required = true };
        var job = new Option<Guid?>("--job") { Description = "The import job (default: the dataset's latest)." };
        var command = new Command("import-status", "Show an import's state, counts and error report.") { dataset, job };
        command.SetAction((parse, cancellationToken) => CliOptions.Run(async () =>
        {
            var client = CliOptions.Client(parse);
            ImportProgress.Print(await ImportProgress.FindAsync(client, parse.GetValue(dataset), parse.GetValue(job), cancellationToken));
        }));
        return command;
    }
}

internal static class ImportCancel
{
    public static Command Command()
    {
        var dataset = new Option<Guid>("--dataset") { Description = "The dataset.", Required = true };
        var job = new Option<Guid?>("--job") { Description = "The import job (default: the dataset's latest)." };
        var command = new Command("import-cancel", "Stop a running import after the batch it is writing; resume it later with 'consortium import-resume'.") { dataset, job };
        command.SetAction((parse, cancellationToken) => CliOptions.Run(async () =>
        {
            var client = CliOptions.Client(parse);
            var found = await ImportProgress.FindAsync(client, parse.GetValue(dataset), parse.GetValue(job), cancellationToken);
            await client.CancelImportAsync(found.DatasetId, found.Id, cancellationToken);
            AnsiConsole.MarkupLine($"Cancelling import {found.Id}; it stops after the batch being written.");
        }));
        return command;
    }
}

internal static class ImportResume
{
    public static Command Command()
    {
        var dataset = new Option<Guid>("--dataset") { Description = "The dataset.", Required = true };
        var job = new Option<Guid?>("--job") { Description = "The import job (default: the dataset's latest)." };
        var command = new Command("import-resume", "Continue a cancelled or failed import after its last committed row, with a progress bar.") { dataset, job };
        command.SetAction((parse, cancellationToken) => CliOptions.Run(async () =>
        {
            var client = CliOptions.Client(parse);
            var found = await ImportProgress.FindAsync(client, parse.GetValue(dataset), parse.GetValue(job), cancellationToken);
            var resumed = await client.ResumeImportAsync(found.DatasetId, found.Id, wait: false, cancellationToken);
            await AnsiConsole.Progress().StartAsync(async progress => resumed = await ImportProgress.FollowAsync(client, resumed, progress, cancellationToken));
            ImportProgress.Print(resumed);
        }));
        return command;
    }
}

/// <summary>Follows an import job on the server with a progress bar; Ctrl+C asks the server to stop it after the current batch.</summary>
internal static class ImportProgress
{
    public static async Task<ImportJobView> FindAsync(ConsortiumClient client, Guid datasetId, Guid? jobId, CancellationToken cancellationToken) =>
        jobId is { } id
            ? await client.GetImportAsync(datasetId, id, cancellationToken)
            : (await client.ListImportsAsync(datasetId, cancellationToken)) is { Count: > 0 } jobs ? jobs[0] : throw new ConsortiumProblemException(System.Net.HttpStatusCode.NotFound, "No imports", "This dataset has no imports yet.");

    public static async Task<ImportJobView> FollowAsync(ConsortiumClient client, ImportJobView job, ProgressContext progress, CancellationToken cancellationToken)
    {
        // Bytes measure progress for CSV and JSON Lines; an XLSX file is not read front to back, so rows are shown instead.
        var task = progress.AddTask("Importing on the server", maxValue: Math.Max(1, job.TotalBytes));
        var cancelled = false;
        while (!job.IsFinished)
        {
            try
            {
                await Task.Delay(500, cancellationToken);
            }
            catch (OperationCanceledException) when (!cancelled)
            {
                cancelled = true;
                await client.CancelImportAsync(job.DatasetId, job.Id, CancellationToken.None);
                task.Description = "Cancelling after the current batch";
            }
            job = await client.GetImportAsync(job.DatasetId, job.Id, CancellationToken.None);
            task.Value = job.TotalBytes > 0 && job.BytesRead > 0 ? job.BytesRead : task.Value;
            if (!cancelled)
            {
                task.Description = $"Importing on the server: {job.RowsRead:N0} rows read, {job.Imported:N0} stored";
            }
        }
        if (job.State == ImportStates.Completed)
        {
            task.Value = task.MaxValue;
        }
        return job;
    }

    public static void Print(ImportJobView job)
    {
        var colour = job.State switch { ImportStates.Completed => "green", ImportStates.Failed => "red", _ => "yellow" };
        AnsiConsole.MarkupLine($"Import {job.Id}: [{colour}]{job.State}[/]. {job.Imported:N0} rows imported, {job.Duplicates:N0} already present, {job.Rejected:N0} rejected.");
        if (job.Failure is { } failure)
        {
            AnsiConsole.MarkupLine($"  [red]{Markup.Escape(failure)}[/]");
        }
        if (job.State is ImportStates.Cancelled or ImportStates.Failed)
        {
            AnsiConsole.MarkupLine($"  Continue after row {job.RowsRead:N0} with: consortium import-resume --dataset {job.DatasetId} --job {job.Id}");
        }
        foreach (var error in job.Errors)
        {
            AnsiConsole.MarkupLine($"  row {error.Row}{(error.Column is null ? "" : $", column {Markup.Escape(error.Column)}")}: {Markup.Escape(error.Reason)}");
        }
    }
}

internal static class ListRecords
{
    public static Command Command()
    {
        var dataset = new Option<Guid?>("--dataset") { Description = "The dataset to search." };
        var investigation = new Option<Guid?>("--investigation") { Description = "Search every dataset of this investigation you can see instead." };
        var text = new Option<string?>("--q") { Description = "Full text: words in any order, or a \"quoted phrase\"." };
        var phone = new Option<string?>("--phone") { Description = "Only numbers containing these digits." };
        var country = new Option<string?>("--country") { Description = "Only records of this country (ISO code)." };
        var tag = new Option<string?>("--tag") { Description = "Only records with a visible annotation carrying this tag." };
        var verification = new Option<string?>("--verification") { Description = "Only records whose latest visible verdict is this." };
        var annotated = new Option<bool?>("--annotated") { Description = "Only records with (true) or without (false) a visible annotation." };
        var from = new Option<DateOnly?>("--from") { Description = "Only records dated on or after (yyyy-MM-dd)." };
        var to = new Option<DateOnly?>("--to") { Description = "Only records dated on or before (yyyy-MM-dd)." };
        var sort = new Option<string?>("--sort") { Description = "row (default), date or country." };
        var descending = new Option<bool>("--desc") { Description = "Reverse the order." };
        var limit = new Option<int>("--limit") { Description = "How many records (all pages are fetched up to this).", DefaultValueFactory = _ => 50 };
        var command = new Command("records", "Search a dataset's (or an investigation's) records, in row order unless --sort says otherwise.")
        {
            dataset, investigation, text, phone, country, tag, verification, annotated, from, to, sort, descending, limit,
        };
        command.SetAction((parse, cancellationToken) => CliOptions.Run(async () =>
        {
            var datasetId = parse.GetValue(dataset);
            var investigationId = parse.GetValue(investigation);
            if (datasetId is null == investigationId is null)
            {
                throw new CliUsageException("Name either --dataset or --investigation.");
            }
            var client = CliOptions.Client(parse);
            var query = new SearchQuery(parse.GetValue(text), parse.GetValue(phone), parse.GetValue(country), null, parse.GetValue(verification),
                parse.GetValue(tag), parse.GetValue(annotated), parse.GetValue(from), parse.GetValue(to), parse.GetValue(sort), parse.GetValue(descending));
            var wanted = Math.Max(1, parse.GetValue(limit));
            var results = new List<SearchResult>();
            long? total = null;
            string? after = null;
            do
            {
                var size = Math.Min(500, wanted - results.Count);
                var page = datasetId is { } d
                    ? await client.SearchAsync(d, query, after, size, facets: after is null, cancellationToken)
                    : await client.SearchInvestigationAsync(investigationId!.Value, query, after, size, facets: after is null, cancellationToken);
                total ??= page.Total;
                results.AddRange(page.Items);
                after = page.Next;
            }
            while (after is not null && results.Count < wanted);
            var table = new Table().AddColumns("Row", "E.164", "Country", "Date", "Record id");
            table.Columns[4].NoWrap();
            foreach (var record in results.Select(r => r.Record))
            {
                table.AddRow(record.RowNumber.ToString(), record.PhoneE164 ?? "", record.Country ?? "", record.Date ?? "", record.Id.ToString());
            }
            AnsiConsole.Write(table);
            AnsiConsole.MarkupLine($"{results.Count} shown of {total} matches.");
        }));
        return command;
    }
}

internal static class WatchRecord
{
    public static Command Command()
    {
        var record = new Option<Guid>("--record") { Description = "The record to watch.", Required = true };
        var command = new Command("watch", "Print a record's annotations, then every new one as it is made, until Ctrl+C.") { record };
        command.SetAction((parse, cancellationToken) => CliOptions.Run(async () =>
        {
            var client = CliOptions.Client(parse);
            var id = parse.GetValue(record);
            foreach (var annotation in await client.ListAnnotationsAsync(id, cancellationToken))
            {
                Print(annotation);
            }
            await using var connection = client.CreateHubConnection();
            // New annotations only (edits come in the same message, marked as not added), in sequence order.
            connection.On<IReadOnlyList<AnnotationPush>>(nameof(IConsortiumClient.AnnotationsPushed), pushes =>
            {
                foreach (var push in pushes.Where(p => p.Added))
                {
                    Print(push.Annotation);
                }
            });
            // After a reconnect the group membership is gone: join again.
            connection.Reconnected += _ => connection.InvokeAsync(HubMethods.JoinRecord, id, cancellationToken);
            await connection.StartAsync(cancellationToken);
            await connection.InvokeAsync(HubMethods.JoinRecord, id, cancellationToken);
            AnsiConsole.MarkupLine("[grey]Watching; Ctrl+C to stop.[/]");
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            catch (OperationCanceledException)
            {
            }
        }));
        return command;
    }

    private static void Print(AnnotationView a) =>
        AnsiConsole.MarkupLine($"[grey]#{a.Sequence} {a.CreatedAt.ToLocalTime():g}[/] [bold]{Markup.Escape(a.AuthorName)}[/] ({Markup.Escape(a.OutletId)}, {a.Visibility.ToString().ToLowerInvariant()}): {Markup.Escape(a.Text)}");
}

/// <summary>Reports bytes read, so the upload drives the progress bar.</summary>
internal sealed class ProgressStream(Stream inner, Action<int> onRead) : Stream
{
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => inner.Length;
    public override long Position { get => inner.Position; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override int Read(byte[] buffer, int offset, int count) { var n = inner.Read(buffer, offset, count); onRead(n); return n; }
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var n = await inner.ReadAsync(buffer, cancellationToken);
        onRead(n);
        return n;
    }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }
        base.Dispose(disposing);
    }
}
