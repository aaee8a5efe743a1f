namespace Consortium.Server.Hosting;

/// <summary>
/// Error bodies of the API are all problem details (see <see cref="Problems"/>), but the typed results that carry them
/// in endpoint signatures (<c>NotFound&lt;ProblemDetails&gt;</c>, <c>Conflict&lt;ProblemDetails&gt;</c>, …) write plain
/// <c>application/json</c>. RFC 7807 names <c>application/problem+json</c>, which is what clients dispatch on, so the
/// label is corrected once here rather than in every endpoint's result types.
/// </summary>
public static class ProblemContentType
{
    private const string Json = "application/json";
    private const string Problem = "application/problem+json";

    public static IApplicationBuilder UseProblemContentType(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (context.Request.Path.StartsWithSegments("/api"))
        {
            context.Response.OnStarting(() =>
            {
                var response = context.Response;
                if (response.StatusCode >= 400 && response.ContentType is { } type && type.StartsWith(Json, StringComparison.OrdinalIgnoreCase))
                {
                    response.ContentType = Problem + type[Json.Length..];
                }
                return Task.CompletedTask;
            });
        }
        await next(context);
    });
}
