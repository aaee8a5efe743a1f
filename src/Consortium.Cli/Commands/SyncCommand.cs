using System.CommandLine;
using System.Text.Json;
using Consortium.Client;
using Microsoft.AspNetCore.SignalR.Client;

namespace Consortium.Cli;

/// <summary>
/// `consortium sync`: every annotation change of an investigation the caller may read, as JSON Lines on standard
/// output, resuming from a cursor file. The cursor is written (atomically) only after the page it ends was printed
/// and flushed, so an interrupted run repeats at most that page and never skips one.
/// </summary>
internal static class SyncChanges
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static Command Command()
    {
        var investigation = new Option<Guid>("--investigation") { Description = "The investigation to sync.", Required = true };
        var cursorFile = new Option<FileInfo?>("--cursor-file") { Description = "Where the position is kept between runs (read at start, rewritten after each page)." };
        var follow = new Option<bool>("--follow") { Description = "Keep running: print new changes as they are made, until Ctrl+C." };
        var command = new Command("sync",
            "Print an investigation's annotation changes you may read as JSON Lines, from the position in --cursor-file (a sync client's credentials or your login).")
            { investigation, cursorFile, follow };
        command.SetAction((parse, cancellationToken) => CliOptions.Run(async () =>
        {
            var client = CliOptions.Client(parse);
            var id = parse.GetValue(investigation);
            var file = parse.GetValue(cursorFile);
            var cursor = file is { Exists: true } ? (await File.ReadAllTextAsync(file.FullName, cancellationToken)).Trim() : null;
            // The command's output (standard output when run from a shell), so a caller can capture it.
            var writer = parse.InvocationConfiguration.Output;
            var gate = new SemaphoreSlim(1, 1);

            async Task CatchUpAsync(CancellationToken token)
            {
                await gate.WaitAsync(token);
                try
                {
                    while (true)
                    {
                        var page = await client.ReadChangesAsync(id, string.IsNullOrEmpty(cursor) ? null : cursor, cancellationToken: token);
                        foreach (var entry in page.Items)
                        {
                            await writer.WriteLineAsync(JsonSerializer.Serialize(entry, Json));
                        }
                        await writer.FlushAsync(token);
                        if (page.Items.Count > 0)
                        {
                            cursor = page.Cursor;
                            if (file is not null)
                            {
                                var partial = file.FullName + ".partial";
                                await File.WriteAllTextAsync(partial, cursor, token);
                                File.Move(partial, file.FullName, overwrite: true);
                            }
                        }
                        if (!page.HasMore)
                        {
                            return;
                        }
                    }
                }
                finally
                {
                    gate.Release();
                }
            }

            if (!parse.GetValue(follow))
            {
                await CatchUpAsync(cancellationToken);
                return;
            }
            await using var connection = client.CreateHubConnection();
            // A push only says "something changed": what is printed always comes from the feed, in feed order.
            var wake = new SemaphoreSlim(0);
            connection.On<IReadOnlyList<AnnotationPush>>(nameof(IConsortiumClient.AnnotationsPushed), _ => wake.Release());
            connection.Reconnected += async _ =>
            {
                await connection.InvokeAsync(HubMethods.JoinInvestigationAnnotations, id, cancellationToken);
                wake.Release();
            };
            // A connection the server closed outright is not resumed by the automatic reconnect: open a new one.
            connection.Closed += async _ =>
            {
                while (!cancellationToken.IsCancellationRequested)
                {
                    try
                    {
                        await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
                        await connection.StartAsync(cancellationToken);
                        await connection.InvokeAsync(HubMethods.JoinInvestigationAnnotations, id, cancellationToken);
                        wake.Release();
                        return;
                    }
                    catch (Microsoft.AspNetCore.SignalR.HubException)
                    {
                        // Access ended: the feed answers 404 on the next catch-up and the command stops with that error.
                        wake.Release();
                        return;
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        // The server is away; try again.
                    }
                    catch (OperationCanceledException)
                    {
                        return;
                    }
                }
            };
            await connection.StartAsync(cancellationToken);
            await connection.InvokeAsync(HubMethods.JoinInvestigationAnnotations, id, cancellationToken);
            try
            {
                while (true)
                {
                    await CatchUpAsync(cancellationToken);
                    // Also every 30 seconds: a change held back behind a long transaction, or a push lost, still arrives.
                    await wake.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
                    while (wake.CurrentCount > 0)
                    {
                        await wake.WaitAsync(cancellationToken);
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
        }));
        return command;
    }
}
