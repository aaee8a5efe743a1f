namespace Consortium.Server.Hosting;

/// <summary>
/// <c>Cache-Control: no-store</c> on every API answer: records, annotations and audit entries must not stay behind in
/// a browser's or a proxy's cache (a stolen laptop's disk). Endpoints that set their own caching keep it.
/// </summary>
public static class NoStore
{
    public static IApplicationBuilder UseNoStoreForApi(this IApplicationBuilder app) => app.Use((http, next) =>
    {
        if (http.Request.Path.StartsWithSegments("/api") || http.Request.Path.StartsWithSegments("/openapi"))
        {
            http.Response.OnStarting(() =>
            {
                if (string.IsNullOrEmpty(http.Response.Headers.CacheControl))
                {
                    http.Response.Headers.CacheControl = "no-store";
                }
                return Task.CompletedTask;
            });
        }
        return next(http);
    });
}
