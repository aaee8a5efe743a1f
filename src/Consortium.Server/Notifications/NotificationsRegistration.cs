using Consortium.Server.Annotations;
using Marten;

namespace Consortium.Server.Notifications;

public static class NotificationsRegistration
{
    /// <summary>Inboxes: who hears of a change (<see cref="Notify"/>, within the writing session), and the push of each new entry after commit.</summary>
    public static WebApplicationBuilder AddNotifications(this WebApplicationBuilder builder)
    {
        // Told of every annotation change by the annotation writers, in their transaction.
        builder.Services.AddScoped<IAnnotationChangeObserver, Notify>();
        builder.Services.AddSingleton<NotificationAnnouncer>();
        builder.Services.ConfigureMarten((services, options) =>
        {
            options.RegisterNotificationDocuments();
            options.Listeners.Add(services.GetRequiredService<NotificationAnnouncer>());
        });
        return builder;
    }
}
