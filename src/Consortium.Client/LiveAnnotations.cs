using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR.Client;

namespace Consortium.Client;

/// <summary>
/// A live, converging copy of every annotation of an investigation that the caller may read. Pushes are applied at
/// once (the fast path); the changes feed is read from the stored cursor at start, after every reconnect, after pushes
/// (debounced) and every <see cref="ResyncInterval"/>, so a lost or out-of-order push is made good and the copy
/// converges exactly. Pushes are not numbered contiguously (the global sequence counts every event of the platform), so
/// the feed, not a gap check on sequence numbers, is what guarantees completeness.
/// </summary>
public sealed class LiveAnnotations : IAsyncDisposable
{
    private readonly ConsortiumClient client;
    private readonly Guid investigationId;
    private readonly ConcurrentDictionary<Guid, AnnotationView> annotations = new();
    private readonly SemaphoreSlim catchingUp = new(1, 1);
    private readonly Func<string, Task>? storeCursor;
    private readonly CancellationTokenSource stopping = new();
    private HubConnection? connection;
    private Task? resyncing;
    private int catchUpRequested;

    /// <param name="client">The signed-in client.</param>
    /// <param name="investigationId">The investigation to follow.</param>
    /// <param name="cursor">The feed cursor to resume from (null: from the beginning).</param>
    /// <param name="storeCursor">Called with each new cursor, to persist it.</param>
    public LiveAnnotations(ConsortiumClient client, Guid investigationId, string? cursor = null, Func<string, Task>? storeCursor = null)
    {
        this.client = client;
        this.investigationId = investigationId;
        Cursor = cursor;
        this.storeCursor = storeCursor;
    }

    /// <summary>
    /// How often the copy is also confirmed from the feed while connected, with no push or reconnect to prompt it (zero:
    /// never). It makes good a push lost while the connection stayed up (a server's relay away during a Redis outage)
    /// and a catch-up that ran while the feed was still held back behind an open transaction.
    /// </summary>
    public TimeSpan ResyncInterval { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>The feed cursor up to which the copy is known complete.</summary>
    public string? Cursor { get; private set; }

    /// <summary>The annotations held, by id, each at the newest version seen.</summary>
    public IReadOnlyDictionary<Guid, AnnotationView> Annotations => annotations;

    /// <summary>Raised after an annotation was added or replaced by a newer version (from a push or the feed).</summary>
    public event Action<AnnotationView>? Changed;

    /// <summary>Raised after a catch-up from the feed finished with the copy complete up to <see cref="Cursor"/>.</summary>
    public event Action? CaughtUp;

    /// <summary>How many times the hub connection was lost and re-established (each followed by a catch-up).</summary>
    public int Reconnects => reconnects;

    private int reconnects;
    private volatile bool disposed;

    /// <summary>Connects, follows the investigation and catches up from the feed.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        connection = client.CreateHubConnection();
        connection.On<IReadOnlyList<AnnotationPush>>(nameof(IConsortiumClient.AnnotationsPushed), OnPush);
        connection.Reconnected += async _ =>
        {
            Interlocked.Increment(ref reconnects);
            // Groups do not survive a new connection: join again, then read what was missed.
            await connection.InvokeAsync(HubMethods.JoinInvestigationAnnotations, investigationId);
            await CatchUpAsync(CancellationToken.None);
        };
        // The server closes connections outright (revocation checks, a restart) without letting the client's
        // automatic reconnect resume them: start a new one, which re-checks access, and catch up.
        connection.Closed += _ => disposed ? Task.CompletedTask : RestartAsync();
        await connection.StartAsync(cancellationToken);
        await connection.InvokeAsync(HubMethods.JoinInvestigationAnnotations, investigationId, cancellationToken);
        await CatchUpAsync(cancellationToken);
        if (ResyncInterval > TimeSpan.Zero)
        {
            resyncing = ResyncAsync(stopping.Token);
        }
    }

    private async Task ResyncAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(ResyncInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                // While reconnecting, the Reconnected and Closed handlers catch up once the connection is back.
                if (connection?.State != HubConnectionState.Connected)
                {
                    continue;
                }
                try
                {
                    await CatchUpAsync(cancellationToken);
                }
                catch (Exception) when (!cancellationToken.IsCancellationRequested)
                {
                    // The server is unreachable for now: the next tick (or a reconnect) tries again.
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private async Task RestartAsync()
    {
        for (var attempt = 0; !disposed; attempt++)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(30_000, 250 * (1 << Math.Min(attempt, 7)))));
            try
            {
                await connection!.StartAsync();
                await connection.InvokeAsync(HubMethods.JoinInvestigationAnnotations, investigationId);
            }
            catch (Microsoft.AspNetCore.SignalR.HubException)
            {
                // No longer allowed to follow the investigation: stay disconnected.
                await connection!.StopAsync();
                return;
            }
            catch (Exception) when (!disposed)
            {
                continue;
            }
            Interlocked.Increment(ref reconnects);
            await CatchUpAsync();
            return;
        }
    }

    /// <summary>Reads the feed from <see cref="Cursor"/> until current. Safe to call at any time, from any thread.</summary>
    public async Task CatchUpAsync(CancellationToken cancellationToken = default)
    {
        Interlocked.Exchange(ref catchUpRequested, 0);
        await catchingUp.WaitAsync(cancellationToken);
        try
        {
            await foreach (var entry in client.ReadAllChangesAsync(investigationId, Cursor, async cursor =>
            {
                Cursor = cursor;
                if (storeCursor is not null)
                {
                    await storeCursor(cursor);
                }
            }, cancellationToken))
            {
                Apply(entry.Annotation);
            }
        }
        finally
        {
            catchingUp.Release();
        }
        CaughtUp?.Invoke();
    }

    private void OnPush(IReadOnlyList<AnnotationPush> pushes)
    {
        // In sequence order, each newer version replacing the one held.
        foreach (var push in pushes)
        {
            Apply(push.Annotation);
        }
        // One catch-up for a burst of pushes: it confirms them and fills anything pushed to us but lost.
        if (Interlocked.Exchange(ref catchUpRequested, 1) == 0)
        {
            _ = Task.Run(async () =>
            {
                await Task.Delay(200);
                try
                {
                    await CatchUpAsync();
                }
                catch (Exception) when (connection?.State != HubConnectionState.Connected)
                {
                    // Reconnecting: the Reconnected handler catches up.
                }
            });
        }
    }

    private void Apply(AnnotationView annotation)
    {
        var applied = false;
        annotations.AddOrUpdate(annotation.Id, _ => { applied = true; return annotation; }, (_, held) =>
        {
            if (annotation.Version > held.Version)
            {
                applied = true;
                return annotation;
            }
            return held;
        });
        if (applied)
        {
            Changed?.Invoke(annotation);
        }
    }

    /// <summary>Stops the hub connection.</summary>
    public async ValueTask DisposeAsync()
    {
        disposed = true;
        await stopping.CancelAsync();
        if (resyncing is not null)
        {
            await resyncing;
        }
        if (connection is not null)
        {
            await connection.DisposeAsync();
        }
        catchingUp.Dispose();
        stopping.Dispose();
    }
}
