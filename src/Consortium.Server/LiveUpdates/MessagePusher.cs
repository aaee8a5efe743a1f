using Consortium.Client;
using Microsoft.AspNetCore.SignalR;

namespace Consortium.Server.LiveUpdates;

/// <summary>Sends announced single messages (inbox entries, import progress) to their groups, in the order announced.</summary>
public sealed class MessagePusher(LiveAnnouncer announcer, IHubContext<ConsortiumHub, IConsortiumClient> hub, ILogger<MessagePusher> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var announcement in announcer.Messages.ReadAllAsync(stoppingToken))
        {
            try
            {
                var clients = announcement.Audience is [var only] ? hub.Clients.Group(only) : hub.Clients.Groups(announcement.Audience);
                await announcement.Send(clients);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A push is a courtesy: the state is in the database whatever happens to it.
                logger.LogWarning(e, "Could not push {What}", announcement.What);
            }
        }
    }
}
