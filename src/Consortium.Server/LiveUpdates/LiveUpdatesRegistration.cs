namespace Consortium.Server.LiveUpdates;

public static class LiveUpdatesRegistration
{
    public static WebApplicationBuilder AddLiveUpdates(this WebApplicationBuilder builder)
    {
        builder.Services.AddSignalR(options =>
        {
            // Errors reach clients as "No such record." and the like, never as exception details.
            options.EnableDetailedErrors = false;
            // With stateful reconnect the server keeps each connection's unacknowledged messages, and a send waits
            // when they reach this size until the client acknowledges (about once a second). SignalR's default,
            // 100,000 bytes, caps every connection at about 100 KB of pushes a second: at 200 notes a second the
            // pusher waited on acknowledgements and deliveries fell tens of seconds behind the posts (benchmark of
            // 2026-11-26, docs/performance.md). The buffer only holds what a client has not yet acknowledged.
            options.StatefulReconnectBufferSize = builder.Configuration.GetValue("LiveUpdates:StatefulReconnectBufferBytes", 1L * 1024 * 1024);
        });
        builder.Services.AddSingleton<AfterCommitNotifier>();
        builder.Services.AddSingleton<LiveConnections>();
        builder.Services.AddSingleton<Presence>();
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
