namespace Consortium.Server.LiveUpdates;

public static class LiveUpdatesRegistration
{
    public static WebApplicationBuilder AddLiveUpdates(this WebApplicationBuilder builder)
    {
        builder.Services.AddSignalR(options =>
        {
            // Errors reach clients as "No such record." and the like, never as exception details.
            options.EnableDetailedErrors = false;
        });
        builder.Services.AddSingleton<AfterCommitNotifier>();
        builder.Services.AddSingleton<LiveConnections>();
        builder.Services.AddSingleton<Presence>();
        builder.Services.AddSingleton<PresenceBroadcasts>();
        builder.Services.AddHostedService<ExpiredAccessSweeper>();
        builder.Services.AddHostedService<LivePusher>();
        builder.Services.AddHostedService<NotificationPusher>();
        return builder;
    }

    public static IEndpointRouteBuilder MapLiveUpdates(this IEndpointRouteBuilder app)
    {
        app.MapHub<ConsortiumHub>("/hubs/consortium", options =>
        {
            options.AllowStatefulReconnects = true;
            // A connection must not outlive the token or cookie that opened it.
            options.CloseOnAuthenticationExpiration = true;
        });
        return app;
    }
}
