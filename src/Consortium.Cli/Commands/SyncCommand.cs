using System.CommandLine;
using System.Text.Json;
using Consortium.Client;

namespace Consortium.Cli;

/// <summary>
/// `consortium sync`: every change the caller may see (the feed of every change, decision 0026) as JSON Lines on
/// standard output, resuming from a cursor file. The cursor is written (atomically) only after what it ends was
/// printed and flushed, so an interrupted run repeats at most one page and never skips one. `--follow` keeps going
/// with the server-sent events stream, reconnecting from the last cursor after any disconnect.
/// </summary>
internal static class SyncChanges
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static Command Command()
    {
        var investigation = new Option<Guid?>("--investigation") { Description = "Only this investigation (default: every investigation your outlet takes part in)." };
        var types = new Option<string?>("--types") { Description = $"Only these types, comma-separated: {string.Join(", ", ChangeFeedTypes.All)} (default: all)." };
        var cursorFile = new Option<FileInfo?>("--cursor-file") { Description = "Where the position is kept between runs (read at start, rewritten after each page)." };
        var follow = new Option<bool>("--follow") { Description = "Keep running: print new changes as they are committed (server-sent events), until Ctrl+C." };
        var command = new Command("sync",
            "Print every change you may see as JSON Lines (type, object id, version, change, the object), from the position in --cursor-file (a sync client's credentials or your login).")
            { investigation, types, cursorFile, follow };
        command.SetAction((parse, cancellationToken) => CliOptions.Run(async () =>
        {
            var client = CliOptions.Client(parse);
            var file = parse.GetValue(cursorFile);
            var cursor = file is { Exists: true } ? (await File.ReadAllTextAsync(file.FullName, cancellationToken)).Trim() : null;
            var typeList = parse.GetValue(types)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var only = parse.GetValue(investigation);
            // The command's output (standard output when run from a shell), so a caller can capture it.
            var writer = parse.InvocationConfiguration.Output;

            async Task KeepAsync(string position)
            {
                cursor = position;
                if (file is not null)
                {
                    var partial = file.FullName + ".partial";
                    await File.WriteAllTextAsync(partial, position, CancellationToken.None);
                    File.Move(partial, file.FullName, overwrite: true);
                }
            }

            while (true)
            {
                var page = await client.ReadChangeFeedAsync(string.IsNullOrEmpty(cursor) ? null : cursor, typeList, only, cancellationToken: cancellationToken);
                foreach (var entry in page.Items)
                {
                    await writer.WriteLineAsync(JsonSerializer.Serialize(entry, Json));
                }
                await writer.FlushAsync(cancellationToken);
                if (page.Cursor != cursor)
                {
                    await KeepAsync(page.Cursor);
                }
                if (!page.HasMore)
                {
                    break;
                }
            }
            if (!parse.GetValue(follow))
            {
                return;
            }
            try
            {
                var options = new SyncOptions { After = cursor, Types = typeList, InvestigationId = only, Follow = SyncFollow.ServerSentEvents };
                await foreach (var entry in client.SyncAsync(options, cancellationToken))
                {
                    await writer.WriteLineAsync(JsonSerializer.Serialize(entry, Json));
                    await writer.FlushAsync(cancellationToken);
                    await KeepAsync(entry.Cursor);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
            }
        }));
        return command;
    }
}
