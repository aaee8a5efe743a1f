using System.Net;
using System.Text;

namespace Consortium.Server.Identity;

/// <summary>The page a sign-out request without a token hint gets: one button that posts the same request back.</summary>
internal static class LogoutConfirmation
{
    public static string Page(IQueryCollection query)
    {
        var fields = new StringBuilder();
        foreach (var (name, values) in query)
        {
            foreach (var value in values)
            {
                fields.Append(CultureInvariant($"<input type=\"hidden\" name=\"{WebUtility.HtmlEncode(name)}\" value=\"{WebUtility.HtmlEncode(value)}\" />"));
            }
        }
        return $"""
            <!DOCTYPE html>
            <html lang="{PersonLanguages.Current}" dir="{ServerText.Direction}"><head><meta charset="utf-8" /><title>{Html("Sign out of Consortium?")}</title>
            <link rel="stylesheet" href="/account/account.css" /></head>
            <body><main><h1>{Html("Sign out of Consortium?")}</h1>
            <p>{Html("An application asked to end your Consortium session. Sign out only if you meant to.")}</p>
            <form method="post" action="/connect/logout">{fields}<button type="submit">{Html("Sign out")}</button></form>
            </main></body></html>
            """;
    }

    private static string Html(string english) => WebUtility.HtmlEncode(ServerText.T(english));

    private static string CultureInvariant(FormattableString text) => FormattableString.Invariant(text);
}
