using System.Threading.Channels;
using Consortium.Server.Annotations;
using Marten;
using Marten.Services;

namespace Consortium.Server.LiveUpdates;

/// <summary>
/// Marten calls this after every commit. It hands the committed annotation events, with their global sequence
/// numbers, to the background pusher: the request that wrote them does not wait for the fan-out to every client.
/// </summary>
public sealed class AfterCommitNotifier : DocumentSessionListenerBase
{
    private readonly Channel<Annotation> pending = Channel.CreateUnbounded<Annotation>(new UnboundedChannelOptions { SingleReader = true });

    public ChannelReader<Annotation> Pending => pending.Reader;

    public override Task AfterCommitAsync(IDocumentSession session, IChangeSet commit, CancellationToken token)
    {
        foreach (var e in commit.GetEvents())
        {
            if (e.Data is NoteAdded added)
            {
                pending.Writer.TryWrite(Annotation.From(added, e.Sequence));
            }
        }
        return Task.CompletedTask;
    }
}

/// <summary>Sends committed annotations to the one group entitled to each. A lost push is recovered from the changes feed by sequence number.</summary>
public sealed class LivePusher(AfterCommitNotifier notifier, Microsoft.AspNetCore.SignalR.IHubContext<ConsortiumHub, Client.IConsortiumClient> hub, ILogger<LivePusher> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var annotation in notifier.Pending.ReadAllAsync(stoppingToken))
        {
            try
            {
                await hub.Clients.Group(LiveGroups.For(annotation.RecordId, annotation.Visibility, annotation.OutletId, annotation.Author))
                    .AnnotationAdded(annotation.ToView());
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Could not push annotation {AnnotationId} (sequence {Sequence})", annotation.Id, annotation.Sequence);
            }
        }
    }
}
