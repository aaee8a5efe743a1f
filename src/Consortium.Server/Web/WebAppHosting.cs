namespace Consortium.Server.Web;

public static class WebAppHosting
{
    /// <summary>The single-page app: client-side routes fall back to index.html. The shell holds no data, so it needs no sign-in.</summary>
    public static IEndpointRouteBuilder MapWebApp(this IEndpointRouteBuilder app)
    {
        app.MapFallbackToFile("index.html").AllowAnonymous();
        return app;
    }
}
