using System.CommandLine;
using Consortium.Client;
using Spectre.Console;

namespace Consortium.Cli;

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
    public static Command Command() => OneImport.Command("import-status", "Show an import's state, counts and error report.", (_, job, _) =>
    {
        ImportProgress.Print(job);
        return Task.CompletedTask;
    });
}

internal static class ImportCancel
{
    public static Command Command() => OneImport.Command(
        "import-cancel", "Stop a running import after the batch it is writing; resume it later with 'consortium import-resume'.", async (client, job, cancellationToken) =>
        {
            await client.CancelImportAsync(job.DatasetId, job.Id, cancellationToken);
            AnsiConsole.MarkupLine($"Cancelling import {job.Id}; it stops after the batch being written.");
        });
}

internal static class ImportResume
{
    public static Command Command() => OneImport.Command(
        "import-resume", "Continue a cancelled or failed import after its last committed row, with a progress bar.", async (client, job, cancellationToken) =>
        {
            var resumed = await client.ResumeImportAsync(job.DatasetId, job.Id, wait: false, cancellationToken);
            await AnsiConsole.Progress().StartAsync(async progress => resumed = await ImportProgress.FollowAsync(client, resumed, progress, cancellationToken));
            ImportProgress.Print(resumed);
        });
}

/// <summary>A command acting on one import: <c>--dataset</c>, and <c>--job</c> or else the dataset's latest.</summary>
internal static class OneImport
{
    public static Command Command(string name, string description, Func<ConsortiumClient, ImportJobView, CancellationToken, Task> act)
    {
        var dataset = new Option<Guid>("--dataset") { Description = "The dataset.", Required = true };
        var job = new Option<Guid?>("--job") { Description = "The import job (default: the dataset's latest)." };
        var command = new Command(name, description) { dataset, job };
        command.SetAction((parse, cancellationToken) => CliOptions.Run(async () =>
        {
            var client = CliOptions.Client(parse);
            await act(client, await ImportProgress.FindAsync(client, parse.GetValue(dataset), parse.GetValue(job), cancellationToken), cancellationToken);
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
