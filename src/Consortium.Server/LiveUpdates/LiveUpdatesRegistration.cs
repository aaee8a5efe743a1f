using System.Text.Json.Serialization;

namespace Consortium.Server.LiveUpdates;

public static class LiveUpdatesRegistration
{
    public static WebApplicationBuilder AddLiveUpdates(this WebApplicationBuilder builder)
    {
        builder.Services.AddSignalR(options =>
        {
            // Errors reach clients as "No such record." and the like, never as exception details.
            options.EnableDetailedErrors = false;
        }).AddJsonProtocol(options => options.PayloadSerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.Never);
        builder.Services.AddSingleton<AfterCommitNotifier>();
        builder.Services.AddHostedService<LivePusher>();
        return builder;
    }

    public static IEndpointRouteBuilder MapLiveUpdates(this IEndpointRouteBuilder app)
    {
        app.MapHub<ConsortiumHub>("/hubs/consortium", options => options.AllowStatefulReconnects = true);
        return app;
    }
}
