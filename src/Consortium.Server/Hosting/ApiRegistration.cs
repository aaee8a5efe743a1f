using System.Net;
using Consortium.Server.Audit;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Options;

namespace Consortium.Server.Hosting;

public static class ApiRegistration
{
    /// <summary>What every HTTP endpoint shares: problem details, the OpenAPI description, body limits, the clock.</summary>
    public static WebApplicationBuilder AddConsortiumApi(this WebApplicationBuilder builder)
    {
        builder.Services.AddProblemDetails();
        builder.AddDefinedEnumValidation();
        // The document's version is the API's, defined once (ConsortiumApiVersion in Directory.Build.props) and carried
        // by the client assembly, which is also the Consortium.Client package's version.
        builder.Services.AddOpenApi(options => options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Version = typeof(Client.ConsortiumClient).Assembly.GetName().Version!.ToString(3);
            return Task.CompletedTask;
        }));
        builder.Services.AddSingleton(TimeProvider.System);
        // Small by default; the import endpoint raises its own limit.
        builder.Services.Configure<KestrelServerOptions>(options => options.Limits.MaxRequestBodySize = 1024 * 1024);
        // A socket's sends run on the thread that flushed the response (or the hub message) instead of being queued to
        // Kestrel's I/O queue and picked up by another thread: a push to 170 connections is 170 fewer hand-offs between
        // threads (decision 0039). Socket completions still come on the thread pool, so a request handler never holds
        // up the thread that reads every socket. Off by Hosting:InlineSocketSends=false.
        builder.Services.Configure<SocketTransportOptions>(options =>
            options.UnsafePreferInlineScheduling = builder.Configuration.GetValue("Hosting:InlineSocketSends", true));
        builder.ConfigureTrustedProxies();
        builder.AddConsortiumRateLimits();
        if (!builder.Environment.IsDevelopment())
        {
            // One JSON object per line, for whatever collects the logs.
            builder.Logging.ClearProviders().AddJsonConsole(options => options.UseUtcTimestamp = true);
        }
        return builder;
    }

    /// <summary>
    /// Behind a reverse proxy, the caller's address and scheme arrive in X-Forwarded-For and X-Forwarded-Proto. They
    /// are believed only from the proxies listed in <c>Hosting:TrustedProxies</c>: otherwise anyone could write any
    /// address into the audit log.
    /// </summary>
    private static void ConfigureTrustedProxies(this WebApplicationBuilder builder)
    {
        var proxies = builder.Configuration.GetSection("Hosting:TrustedProxies").Get<string[]>() ?? [];
        builder.Services.Configure<ForwardedHeadersOptions>(options =>
        {
            options.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            options.KnownProxies.Clear();
            options.KnownIPNetworks.Clear();
            foreach (var proxy in proxies.Where(p => !string.IsNullOrWhiteSpace(p)).Select(p => p.Trim()))
            {
                // A network (10.244.0.0/16) for an ingress controller whose pods come and go on Kubernetes (decision 0029).
                if (proxy.Contains('/', StringComparison.Ordinal))
                {
                    options.KnownIPNetworks.Add(System.Net.IPNetwork.TryParse(proxy, out var network)
                        ? network
                        : throw new InvalidOperationException($"Hosting:TrustedProxies holds \"{proxy}\", which is not an IP network."));
                    continue;
                }
                options.KnownProxies.Add(IPAddress.TryParse(proxy, out var address)
                    ? address
                    : throw new InvalidOperationException($"Hosting:TrustedProxies holds \"{proxy}\", which is not an IP address or network."));
            }
        });
    }

    public static WebApplication UseConsortiumApi(this WebApplication app)
    {
        // First, so that everything after it (the audit log, HTTPS checks) sees the caller, not the proxy. Only when a
        // proxy is configured: with empty lists the middleware would believe the headers from anyone.
        if (app.Services.GetRequiredService<IOptions<ForwardedHeadersOptions>>().Value is { } forwarded
            && forwarded.KnownProxies.Count + forwarded.KnownIPNetworks.Count > 0)
        {
            app.UseForwardedHeaders();
        }
        app.UseProblemContentType();
        app.UseExceptionHandler();
        // Bare status codes (401 from the challenge, 413 from Kestrel) get a problem-details body too.
        app.UseStatusCodePages();
        app.UseSecurityHeaders();
        app.UseNoStoreForApi();
        app.UseSameOriginWrites();
        app.UseStaticFiles();
        app.UseAuthentication();
        // After authentication: searches are counted per person.
        app.UseConsortiumRateLimits();
        app.UseAuthorization();
        app.UseAccessDeniedAudit();
        return app;
    }
}
