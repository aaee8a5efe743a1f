using System.Globalization;
using System.Security.Claims;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Consortium.Server.Hosting;

/// <summary>
/// Request rates, with ASP.NET Core's rate limiter, per node: sign-in attempts per address (the login, second-factor and
/// passkey posts and the token endpoint), and searches per person. Over the limit: 429 with a problem and Retry-After.
/// Per-account backoff lives with the login page (SignInBackoff); hub joins and typing with the hub (HubRateLimits).
/// Limits per minute come from <c>RateLimits:*</c>, so an operator can loosen them for a newsroom behind one address.
/// </summary>
public static class RateLimits
{
    public const string ProblemType = "https://consortium.example/problems/too-many-requests";

    public static WebApplicationBuilder AddConsortiumRateLimits(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var signIns = configuration.GetValue("RateLimits:SignInPerAddressPerMinute", 30);
        var searches = configuration.GetValue("RateLimits:SearchesPerMinute", 120);
        builder.Services.AddRateLimiter(options =>
        {
            options.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context => Classify(context) switch
            {
                Kind.SignIn => RateLimitPartition.GetSlidingWindowLimiter("sign-in " + context.Connection.RemoteIpAddress, _ => PerMinute(signIns)),
                // After authentication: the person, or their address when the search is anonymous (it then fails anyway).
                Kind.Search => RateLimitPartition.GetSlidingWindowLimiter(
                    "search " + (context.User.FindFirstValue(Claims.Subject) ?? context.Connection.RemoteIpAddress?.ToString()), _ => PerMinute(searches)),
                _ => RateLimitPartition.GetNoLimiter(""),
            });
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

    private static SlidingWindowRateLimiterOptions PerMinute(int permits) => new()
    {
        PermitLimit = Math.Max(1, permits),
        Window = TimeSpan.FromMinutes(1),
        SegmentsPerWindow = 6,
        QueueLimit = 0,
    };

    private enum Kind { None, SignIn, Search }

    private static Kind Classify(HttpContext context)
    {
        var request = context.Request;
        var path = request.Path;
        if (HttpMethods.IsPost(request.Method) && (path.StartsWithSegments("/account/login") || path.StartsWithSegments("/account/two-factor") || path.StartsWithSegments("/connect/token")))
        {
            return Kind.SignIn;
        }
        // Search: the record lists (with their filters) and the two search endpoints.
        if (HttpMethods.IsGet(request.Method) && path.StartsWithSegments("/api") && path.Value is { } value
            && (value.EndsWith("/search", StringComparison.Ordinal) || value.EndsWith("/records", StringComparison.Ordinal)))
        {
            return Kind.Search;
        }
        return Kind.None;
    }
}
