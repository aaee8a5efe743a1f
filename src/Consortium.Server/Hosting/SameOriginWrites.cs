namespace Consortium.Server.Hosting;

/// <summary>
/// Cross-site request forgery, refused by origin: a browser sends its session cookie with requests other sites make it
/// send, so every cookie-carried write to the API, every hub connection and the end-session POST must come from the
/// server's own pages. Browsers name the page's origin in <c>Origin</c> (and <c>Sec-Fetch-Site</c>); it must be
/// <c>Hosting:PublicOrigin</c>, or the origin the request was made to when none is configured. Requests carrying a
/// bearer token are not ambient (a site cannot make a browser attach one) and are left alone, as are tools that send
/// neither header (they are not browsers).
/// </summary>
public static class SameOriginWrites
{
    public const string ProblemType = "https://consortium.example/problems/cross-site-request";

    public static IApplicationBuilder UseSameOriginWrites(this IApplicationBuilder app)
    {
        var configured = app.ApplicationServices.GetRequiredService<IConfiguration>()["Hosting:PublicOrigin"] is { Length: > 0 } origin
            ? new Uri(origin).GetLeftPart(UriPartial.Authority)
            : null;
        return app.Use(async (context, next) =>
        {
            if (Guarded(context.Request) && !FromOwnPages(context.Request, configured))
            {
                await Results.Problem(type: ProblemType, title: "Cross-site request refused", statusCode: StatusCodes.Status403Forbidden,
                    detail: "This request came from another site's page; it is only accepted from Consortium's own pages.").ExecuteAsync(context);
                return;
            }
            await next(context);
        });
    }

    // Exempt: requests the API scheme's selector (IdentityRegistration) authenticates by bearer token only, never by
    // cookie; a browser cannot be made to send a victim's token. Keep the two conditions identical.
    private static bool Guarded(HttpRequest request)
    {
        if (request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
            || (request.Path.StartsWithSegments("/hubs") && request.Query.ContainsKey("access_token")))
        {
            return false;
        }
        var write = !(HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method));
        // The hub's WebSocket handshake is a GET: connections are guarded whatever the method.
        return request.Path.StartsWithSegments("/hubs")
            || (write && (request.Path.StartsWithSegments("/api") || request.Path.StartsWithSegments("/connect/logout")));
    }

    private static bool FromOwnPages(HttpRequest request, string? configured)
    {
        var own = configured ?? $"{request.Scheme}://{request.Host}";
        if (request.Headers.Origin.ToString() is { Length: > 0 } origin)
        {
            return string.Equals(origin, own, StringComparison.OrdinalIgnoreCase);
        }
        // No Origin: a browser that sends Sec-Fetch-Site still says where the request came from.
        return request.Headers["Sec-Fetch-Site"].ToString() is "" or "same-origin" or "none";
    }
}
