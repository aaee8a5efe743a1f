using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Consortium.Server.Hosting;

public static partial class SecurityHeaders
{
    // Nothing may come from another host: a request to a CDN tells a third party who is reading what.
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; " +
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var headers = context.Response.Headers;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers.XFrameOptions = "DENY";
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        if (IsReferencePage(context.Request))
        {
            await WithReferencePagePolicyAsync(context, next);
            return;
        }
        await next(context);
    });

    private static bool IsReferencePage(HttpRequest request) =>
        HttpMethods.IsGet(request.Method) && request.Path.StartsWithSegments("/scalar", out var rest) && !Path.HasExtension(rest.Value);

    /// <summary>
    /// The API reference page (/scalar) is held to the app's policy, with two exceptions its bundle cannot do without:
    /// its one inline bootstrap script is allowed by its hash (not 'unsafe-inline'), and its styles are injected inline.
    /// Everything that could reach another host (scripts, fonts, images, connections, frames, forms) stays 'self'.
    /// </summary>
    private static async Task WithReferencePagePolicyAsync(HttpContext context, RequestDelegate next)
    {
        var original = context.Response.Body;
        using var buffer = new MemoryStream();
        context.Response.Body = buffer;
        try
        {
            await next(context);
        }
        finally
        {
            context.Response.Body = original;
        }
        var html = Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
        var hashes = InlineScript().Matches(html)
            .Select(m => $"'sha256-{Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(m.Groups[1].Value)))}'")
            .Distinct();
        context.Response.Headers.ContentSecurityPolicy = ContentSecurityPolicy
            .Replace("script-src 'self'", $"script-src 'self' {string.Join(' ', hashes)}".TrimEnd(), StringComparison.Ordinal)
            .Replace("style-src 'self'", "style-src 'self' 'unsafe-inline'", StringComparison.Ordinal);
        context.Response.ContentLength = buffer.Length;
        buffer.Position = 0;
        await buffer.CopyToAsync(original, context.RequestAborted);
    }

    // An inline script: a <script> element without src, its text captured exactly as the browser hashes it.
    [GeneratedRegex("<script(?![^>]*\\bsrc=)[^>]*>(.*?)</script>", RegexOptions.Singleline)]
    private static partial Regex InlineScript();
}
