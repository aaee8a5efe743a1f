using Marten;

namespace Consortium.Server.Notifications;

public static class NotificationsRegistration
{
    /// <summary>Inboxes: who hears of a change (<see cref="Notify"/>, within the writing session), and the push of each new entry after commit.</summary>
    public static WebApplicationBuilder AddNotifications(this WebApplicationBuilder builder)
    {
        builder.Services.AddScoped<Notify>();
        builder.Services.AddSingleton<NotificationAnnouncer>();
        builder.Services.ConfigureMarten((services, options) =>
        {
            options.RegisterNotificationDocuments();
            options.Listeners.Add(services.GetRequiredService<NotificationAnnouncer>());
        });
        return builder;
    }
}
