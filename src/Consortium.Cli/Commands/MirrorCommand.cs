using System.CommandLine;
using System.Net;
using Consortium.Cli.Mirror;
using Consortium.Client;
using Spectre.Console;

namespace Consortium.Cli;

/// <summary>The exit codes of `consortium mirror`, for cron jobs and scripts (README, "Mirror an investigation").</summary>
internal static class MirrorExitCodes
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int Usage = 2;
    public const int Authentication = 3;
    public const int ServerUnreachable = 4;
    public const int TargetFailed = 5;
    public const int InvestigationNotFound = 6;
}

/// <summary>
/// `consortium mirror`: keeps a local copy of an investigation (records, annotations) current, in a folder or in a
/// PostgreSQL database the partner owns, resuming from the cursors stored in that target (decision 0028).
/// </summary>
internal static class MirrorCommand
{
    public const string DatabaseVariable = "CONSORTIUM_MIRROR_DATABASE";

    public static Command Command()
    {
        var investigation = new Option<Guid>("--investigation") { Description = "The investigation to mirror.", Required = true };
        var folder = new Option<DirectoryInfo?>("--folder") { Description = "Mirror into this folder: records.jsonl, annotations.jsonl, annotations.jsonld (W3C Web Annotations), mirror-state.json." };
        var database = new Option<string?>("--database")
        {
            Description = $"Mirror into this PostgreSQL database (a connection string, \"Host=...;Database=...\"; or ${DatabaseVariable}, which keeps its password out of the process list). Tables in schema {PostgresMirrorTarget.Schema}, created on first run.",
        };
        var follow = new Option<bool>("--follow") { Description = "Keep running: mirror each change as it is made, catching up after any disconnect, until Ctrl+C." };
        var command = new Command("mirror",
            "Keep a local copy of an investigation's records and annotations that you may read, in a folder or a PostgreSQL database, from the position stored there. "
            + "Exit codes: 0 done, 1 other failure, 2 bad usage, 3 authentication refused, 4 server unreachable, 5 target (folder or database) failed, 6 investigation not found.")
            { investigation, folder, database, follow };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var error = parse.InvocationConfiguration.Error;
            try
            {
                var id = parse.GetValue(investigation);
                var connectionString = parse.GetValue(database) ?? Environment.GetEnvironmentVariable(DatabaseVariable);
                var directory = parse.GetValue(folder);
                if ((directory is null) == string.IsNullOrWhiteSpace(connectionString))
                {
                    throw new CliUsageException($"Give exactly one target: --folder or --database (or ${DatabaseVariable}).");
                }
                var client = ClientOf(parse);
                var server = CliOptions.ServerOf(parse);
                await using IMirrorTarget target = directory is not null
                    ? await FolderMirrorTarget.OpenAsync(directory, id, server, cancellationToken)
                    : await PostgresMirrorTarget.OpenAsync(connectionString!, id, cancellationToken);
                var run = new MirrorRun(new FeedMirrorSource(client, id, server), target, parse.InvocationConfiguration.Output);
                if (!parse.GetValue(follow))
                {
                    await run.CatchUpAsync(showProgress: !Console.IsOutputRedirected, cancellationToken);
                    return MirrorExitCodes.Ok;
                }
                await run.FollowAsync(error, cancellationToken);
                return MirrorExitCodes.Ok;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return MirrorExitCodes.Ok;
            }
            catch (Exception e)
            {
                var (code, message) = Classify(e, cancellationToken);
                await error.WriteLineAsync($"error: {message}");
                return code;
            }
        });
        return command;
    }

    /// <summary>A failure worth waiting out in --follow: the server is away (stopped, restarting, overloaded).</summary>
    public static bool IsUnreachable(Exception e, CancellationToken cancellationToken) => e switch
    {
        HttpRequestException or IOException => true,
        TaskCanceledException => !cancellationToken.IsCancellationRequested,
        ConsortiumProblemException p => (int)p.Status >= 500 || p.Status == HttpStatusCode.TooManyRequests,
        _ => false,
    };

    private static ConsortiumClient ClientOf(ParseResult parse)
    {
        try
        {
            return CliOptions.Client(parse);
        }
        catch (CliUsageException e)
        {
            throw new UnauthorizedAccessException(e.Message, e);
        }
    }

    private static (int Code, string Message) Classify(Exception e, CancellationToken cancellationToken) => e switch
    {
        CliUsageException => (MirrorExitCodes.Usage, e.Message),
        UnauthorizedAccessException { InnerException: CliUsageException } => (MirrorExitCodes.Authentication, e.Message),
        MirrorTargetException => (MirrorExitCodes.TargetFailed, e.Message),
        ConsortiumProblemException p when p.Status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden
            || p.Title.StartsWith("The token endpoint", StringComparison.Ordinal) => (MirrorExitCodes.Authentication, Problem(p)),
        ConsortiumProblemException { Status: HttpStatusCode.NotFound } p => (MirrorExitCodes.InvestigationNotFound, Problem(p)),
        _ when IsUnreachable(e, cancellationToken) => (MirrorExitCodes.ServerUnreachable, $"cannot reach the server: {e.Message}"),
        ConsortiumProblemException p => (MirrorExitCodes.Failed, Problem(p)),
        _ => (MirrorExitCodes.Failed, e.Message),
    };

    private static string Problem(ConsortiumProblemException p) => $"{p.Title}{(p.Detail is null ? "" : ": " + p.Detail)} ({(int)p.Status})";
}

/// <summary>One mirror: catches up from the target's cursors, batch by batch, each stored with its cursor.</summary>
internal sealed class MirrorRun(IMirrorSource source, IMirrorTarget target, TextWriter output)
{
    public async Task<int> CatchUpAsync(bool showProgress, CancellationToken cancellationToken)
    {
        if (!showProgress)
        {
            return await CatchUpAsync(null, cancellationToken);
        }
        var changed = 0;
        await AnsiConsole.Progress().AutoClear(true).StartAsync(async progress => changed = await CatchUpAsync(progress, cancellationToken));
        return changed;
    }

    /// <summary>
    /// Follows the investigation: catches up, then mirrors each change as the server-sent events stream delivers it
    /// (the client resumes the stream from the last cursor after a disconnect). When the server is away altogether it
    /// waits, longer each time up to 30 s, and catches up again from the cursors stored in the target.
    /// </summary>
    public async Task FollowAsync(TextWriter error, CancellationToken cancellationToken)
    {
        var backoff = TimeSpan.FromSeconds(1);
        var first = true;
        while (true)
        {
            try
            {
                await CatchUpAsync(showProgress: first && !Console.IsOutputRedirected, cancellationToken);
                first = false;
                backoff = TimeSpan.FromSeconds(1);
                await foreach (var batch in source.FollowAsync(await target.LoadCursorsAsync(cancellationToken), cancellationToken))
                {
                    var applied = await target.ApplyAsync(batch, cancellationToken);
                    await target.FlushAsync(cancellationToken);
                    if (applied > 0)
                    {
                        await ReportAsync(batch.Items.Count(i => i.Type == MirrorTypes.Record), batch.Items.Count(i => i.Type == MirrorTypes.Annotation), cancellationToken);
                    }
                }
            }
            catch (Exception e) when (MirrorCommand.IsUnreachable(e, cancellationToken))
            {
                await error.WriteLineAsync($"warning: cannot reach the server ({e.Message}); trying again in {backoff.TotalSeconds:0} s");
                await Task.Delay(backoff, cancellationToken);
                backoff = TimeSpan.FromSeconds(Math.Min(30, backoff.TotalSeconds * 2));
            }
        }
    }

    private async Task ReportAsync(int records, int annotations, CancellationToken cancellationToken)
    {
        await output.WriteLineAsync($"mirrored {records} records and {annotations} annotation changes");
        await output.FlushAsync(cancellationToken);
    }

    private async Task<int> CatchUpAsync(ProgressContext? progress, CancellationToken cancellationToken)
    {
        var cursors = await target.LoadCursorsAsync(cancellationToken);
        var records = progress?.AddTask("Records", autoStart: true, maxValue: 1);
        var annotations = progress?.AddTask("Annotations", autoStart: true, maxValue: 1);
        annotations?.IsIndeterminate(true);
        var expected = new Dictionary<string, long>();
        var (changed, recordChanges, annotationChanges, batches) = (0, 0, 0, 0);
        await foreach (var batch in source.ChangesAsync(cursors, cancellationToken))
        {
            var applied = await target.ApplyAsync(batch, cancellationToken);
            // A long catch-up into a folder is kept every few batches, not only at its end.
            if (++batches % 20 == 0)
            {
                await target.FlushAsync(cancellationToken);
            }
            changed += applied;
            var recordItems = batch.Items.Count(i => i.Type == MirrorTypes.Record);
            recordChanges += recordItems;
            annotationChanges += batch.Items.Count - recordItems;
            if (batch.ExpectedRecords is { } total)
            {
                expected[batch.CursorName] = total;
                records?.MaxValue(Math.Max(1, expected.Values.Sum()));
            }
            records?.Increment(recordItems);
            annotations?.Increment(batch.Items.Count - recordItems);
        }
        await target.FlushAsync(cancellationToken);
        records?.Value(records.MaxValue);
        annotations?.IsIndeterminate(false).Value(1);
        if (changed > 0)
        {
            await ReportAsync(recordChanges, annotationChanges, cancellationToken);
        }
        return changed;
    }
}
