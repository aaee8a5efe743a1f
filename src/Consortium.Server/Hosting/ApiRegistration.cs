using Consortium.Server.Investigations;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Consortium.Server.Hosting;

public static class ApiRegistration
{
    /// <summary>What every HTTP endpoint shares: problem details, the OpenAPI description, body limits, the clock, the access policy.</summary>
    public static WebApplicationBuilder AddConsortiumApi(this WebApplicationBuilder builder)
    {
        builder.Services.AddProblemDetails();
        builder.Services.AddOpenApi();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddScoped<AccessPolicy>();
        // Small by default; the import endpoint raises its own limit.
        builder.Services.Configure<KestrelServerOptions>(options => options.Limits.MaxRequestBodySize = 1024 * 1024);
        if (!builder.Environment.IsDevelopment())
        {
            // One JSON object per line, for whatever collects the logs.
            builder.Logging.ClearProviders().AddJsonConsole(options => options.UseUtcTimestamp = true);
        }
        return builder;
    }

    public static WebApplication UseConsortiumApi(this WebApplication app)
    {
        app.UseExceptionHandler();
        // Bare status codes (401 from the challenge, 413 from Kestrel) get a problem-details body too.
        app.UseStatusCodePages();
        app.UseSecurityHeaders();
        app.UseStaticFiles();
        app.UseAuthentication();
        app.UseAuthorization();
        return app;
    }
}
