using Consortium.Server.Storage;
using Microsoft.AspNetCore.SignalR;

namespace Consortium.Server.LiveUpdates;

public static class LiveUpdatesRegistration
{
    public static WebApplicationBuilder AddLiveUpdates(this WebApplicationBuilder builder)
    {
        var signalR = builder.Services.AddSignalR(options =>
        {
            // Errors reach clients as "No such record." and the like, never as exception details.
            options.EnableDetailedErrors = false;
            options.AddFilter<HubRateLimits>();
            // Refusals of objects are audited like the HTTP API's (issue 17).
            options.AddFilter<AccessDeniedHubFilter>();
            // Only used when stateful reconnect is switched on (see MapLiveUpdates): a send waits when a connection's
            // unacknowledged messages reach this size. SignalR's default, 100,000 bytes, capped every connection at
            // about 100 KB of pushes a second (benchmark of 2026-11-26, decision 0018).
            options.StatefulReconnectBufferSize = builder.Configuration.GetValue("LiveUpdates:StatefulReconnectBufferBytes", 1L * 1024 * 1024);
        });
        var node = new ServerNode(builder.Configuration);
        if (node.IsOneOfMany)
        {
            builder.AddClusterLiveUpdates(signalR, node);
        }
        builder.Services.AddSingleton<LiveConnections>();
        builder.Services.AddSingleton<LiveAnnouncer>();
        builder.Services.AddSingleton<ILiveAnnouncer>(services => services.GetRequiredService<LiveAnnouncer>());
        builder.Services.AddSingleton<HubRateLimits>();
        builder.Services.AddSingleton<Presence>();
        builder.Services.AddSingleton<AnnotationListeners>();
        builder.Services.AddHostedService<ExpiredAccessSweeper>();
        builder.Services.AddHostedService<LiveSessionSweeper>();
        builder.Services.AddHostedService<AnnotationPusher>();
        builder.Services.AddHostedService<MessagePusher>();
        builder.Services.AddHostedService<ReadBudgetPusher>();
        return builder;
    }

    public static IEndpointRouteBuilder MapLiveUpdates(this IEndpointRouteBuilder app)
    {
        var statefulReconnect = app.ServiceProvider.GetRequiredService<IConfiguration>().GetValue("LiveUpdates:StatefulReconnect", false);
        app.MapHub<ConsortiumHub>("/hubs/consortium", options =>
        {
            // Off unless configured: under load SignalR's stateful-reconnect buffer wrote beside the connection's own
            // writes and aborted connections (decision 0019); a reconnecting client reads the changes feed anyway.
            options.AllowStatefulReconnects = statefulReconnect;
            // A connection must not outlive the token or cookie that opened it.
            options.CloseOnAuthenticationExpiration = true;
        });
        return app;
    }
}
