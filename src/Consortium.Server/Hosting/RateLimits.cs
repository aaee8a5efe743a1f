using System.Globalization;
using System.Security.Claims;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Consortium.Server.Hosting;

/// <summary>
/// Request rates, with ASP.NET Core's rate limiter, per node. Sign-in: each address has a loose ceiling (a newsroom
/// shares one address), and under it each address and email a tight one, so one insider hammering one account does not
/// block colleagues. The token endpoint has its own budget per client and address, so a flood of password guesses
/// never stops tools refreshing. Searches per person. Webhook administration posts
/// (registering, enabling, rotating, redelivering) per person. Over a limit: 429 with a problem and Retry-After. Per-account
/// backoff lives with the login page (SignInBackoff); hub joins and typing with the hub (HubRateLimits). Limits per
/// minute come from <c>RateLimits:*</c>.
/// </summary>
public static class RateLimits
{
    public const string ProblemType = "https://consortium.example/problems/too-many-requests";

    public static WebApplicationBuilder AddConsortiumRateLimits(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var perAddress = configuration.GetValue("RateLimits:SignInPerAddressPerMinute", 300);
        var perAccount = configuration.GetValue("RateLimits:SignInPerAccountPerMinute", 10);
        var tokens = configuration.GetValue("RateLimits:TokenRequestsPerClientPerMinute", 120);
        var searches = configuration.GetValue("RateLimits:SearchesPerMinute", 120);
        var webhookActions = configuration.GetValue("RateLimits:WebhookActionsPerMinute", 30);
        builder.Services.AddRateLimiter(options =>
        {
            var ceiling = PartitionedRateLimiter.Create<HttpContext, string>(context => Classify(context) is Kind.SignIn or Kind.Login
                ? RateLimitPartition.GetSlidingWindowLimiter("sign-in " + context.Connection.RemoteIpAddress, _ => PerMinute(perAddress))
                : RateLimitPartition.GetNoLimiter(""));
            var specific = PartitionedRateLimiter.Create<HttpContext, string>(context => Classify(context) switch
            {
                Kind.Login => RateLimitPartition.GetSlidingWindowLimiter(
                    $"login {context.Connection.RemoteIpAddress} {FormValue(context, "Email").Trim().ToUpperInvariant()}", _ => PerMinute(perAccount)),
                Kind.Token => RateLimitPartition.GetSlidingWindowLimiter($"token {context.Connection.RemoteIpAddress} {ClientId(context)}", _ => PerMinute(tokens)),
                // After authentication: the person, or their address when the search is anonymous (it then fails anyway).
                Kind.Search => RateLimitPartition.GetSlidingWindowLimiter(
                    "search " + (context.User.FindFirstValue(Claims.Subject) ?? context.Connection.RemoteIpAddress?.ToString()), _ => PerMinute(searches)),
                // The pictures count as a search does, in a bucket of their own: their live refreshes (one a second at
                // most per page) must not use up the person's searches (decision 0032).
                Kind.Charts => RateLimitPartition.GetSlidingWindowLimiter(
                    "charts " + (context.User.FindFirstValue(Claims.Subject) ?? context.Connection.RemoteIpAddress?.ToString()), _ => PerMinute(searches)),
                // Each redelivery, re-enabling or new endpoint makes this server send requests to an address an
                // administrator chose: a budget per person keeps it from being turned into a flood at someone.
                Kind.WebhookAction => RateLimitPartition.GetSlidingWindowLimiter(
                    "webhooks " + (context.User.FindFirstValue(Claims.Subject) ?? context.Connection.RemoteIpAddress?.ToString()), _ => PerMinute(webhookActions)),
                _ => RateLimitPartition.GetNoLimiter(""),
            });
            options.GlobalLimiter = PartitionedRateLimiter.CreateChained(ceiling, specific);
            options.OnRejected = async (context, cancellationToken) =>
            {
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromMinutes(1);
                context.HttpContext.Response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                await Results.Problem(type: ProblemType, title: "Too many requests", statusCode: StatusCodes.Status429TooManyRequests,
                    detail: $"Slow down: try again in {Math.Ceiling(retryAfter.TotalSeconds):0} seconds.").ExecuteAsync(context.HttpContext);
            };
        });
        return builder;
    }

    /// <summary>
    /// The rate limiter, after reading the form of the posts it partitions by a form field (the limiter's partitioner
    /// is synchronous; the form read here is cached for the page or OpenIddict behind it).
    /// </summary>
    public static WebApplication UseConsortiumRateLimits(this WebApplication app)
    {
        app.Use(async (context, next) =>
        {
            if (Classify(context) is Kind.Login or Kind.Token && context.Request.HasFormContentType)
            {
                await context.Request.ReadFormAsync(context.RequestAborted);
            }
            await next(context);
        });
        app.UseRateLimiter();
        return app;
    }

    private static string FormValue(HttpContext context, string name) =>
        context.Request.HasFormContentType && context.Request.Form.TryGetValue(name, out var value) ? value.ToString() : "";

    /// <summary>The client_id of the form, or of HTTP Basic authentication (confidential clients).</summary>
    private static string ClientId(HttpContext context)
    {
        if (FormValue(context, "client_id") is { Length: > 0 } formId)
        {
            return formId;
        }
        var header = context.Request.Headers.Authorization.ToString();
        if (header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                var decoded = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(header["Basic ".Length..].Trim()));
                return Uri.UnescapeDataString(decoded.Split(':')[0]);
            }
            catch (FormatException)
            {
                return "";
            }
        }
        return "";
    }

    private static SlidingWindowRateLimiterOptions PerMinute(int permits) => new()
    {
        PermitLimit = Math.Max(1, permits),
        Window = TimeSpan.FromMinutes(1),
        SegmentsPerWindow = 6,
        QueueLimit = 0,
    };

    private enum Kind { None, Login, SignIn, Token, Search, Charts, WebhookAction }

    private static Kind Classify(HttpContext context)
    {
        var request = context.Request;
        var path = request.Path;
        if (HttpMethods.IsPost(request.Method))
        {
            if (path.StartsWithSegments("/account/login"))
            {
                return Kind.Login;
            }
            if (path.StartsWithSegments("/account/two-factor"))
            {
                return Kind.SignIn;
            }
            if (path.StartsWithSegments("/connect/token"))
            {
                return Kind.Token;
            }
            if (path.StartsWithSegments("/api/outlet/webhooks"))
            {
                return Kind.WebhookAction;
            }
        }
        // Search: the record lists (with their filters) and the two search endpoints.
        if (HttpMethods.IsGet(request.Method) && path.StartsWithSegments("/api") && path.Value is { } value
            && (value.EndsWith("/search", StringComparison.Ordinal) || value.EndsWith("/records", StringComparison.Ordinal)))
        {
            return Kind.Search;
        }
        if (HttpMethods.IsGet(request.Method) && path.StartsWithSegments("/api") && path.Value is { } charts && charts.EndsWith("/charts", StringComparison.Ordinal))
        {
            return Kind.Charts;
        }
        return Kind.None;
    }
}
