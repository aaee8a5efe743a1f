using Consortium.Client;
using Consortium.Server.Audit;
using Microsoft.AspNetCore.SignalR;

namespace Consortium.Server.LiveUpdates;

/// <summary>
/// Tells an investigation's coordinators, on every connection they have open, that a member ran out of the bulk-read
/// budget (<see cref="ReadBudget"/>): as an inbox notification with reason <see cref="SecurityNotificationReasons.ReadBudget"/>,
/// naming the investigation but no record (it is about a person's pace, not about content).
/// </summary>
public sealed class ReadBudgetPusher(ReadBudgetAlerts alerts, IHubContext<ConsortiumHub, IConsortiumClient> hub, ILogger<ReadBudgetPusher> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var alert in alerts.Reader.ReadAllAsync(stoppingToken))
        {
            var view = new NotificationView(Guid.CreateVersion7(), SecurityNotificationReasons.ReadBudget, Guid.Empty, Guid.Empty, alert.InvestigationId, alert.DisplayName,
                $"{alert.DisplayName} ({alert.OutletId}) read {alert.Read:N0} records within the hour, the budget being {alert.Budget:N0}; further reads are refused until the hour ends",
                alert.At, false, 0);
            try
            {
                await hub.Clients.Groups(alert.CoordinatorIds.Select(LiveGroups.User).ToList()).NotificationReceived(view);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Could not tell the coordinators of {InvestigationId} of an exhausted read budget", alert.InvestigationId);
            }
        }
    }
}
