using System.Globalization;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;

namespace Consortium.Server.Identity;

/// <summary>
/// When the person behind a browser session last proved who they are (signed in, or re-entered their password).
/// Sensitive actions such as adding a passkey require that to be recent, so a session left open on a shared machine
/// or stolen from one cannot plant a credential of its own.
/// </summary>
/// <remarks>
/// Kept in the session cookie's properties, not as a claim: the security stamp check runs on every request here and
/// rebuilds the principal each time (dropping any claim added at sign-in), while it keeps the properties. The
/// cookie's own issue time is no use either: sliding expiration renews it on every request.
/// </remarks>
public static class RecentSignIn
{
    public const string Item = "consortium.signed_in_at";

    public static readonly TimeSpan Window = TimeSpan.FromMinutes(10);

    /// <summary>
    /// The application cookie's sign-in event: stamps every new session with its sign-in time. A refreshed session
    /// (Identity's RefreshSignInAsync passes the old properties on) keeps the time it had.
    /// </summary>
    public static Task StampAsync(CookieSigningInContext context)
    {
        var now = context.HttpContext.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
        context.Properties.Items.TryAdd(Item, now.ToString("O", CultureInfo.InvariantCulture));
        return Task.CompletedTask;
    }

    /// <summary>Whether the caller's browser session proved its owner within the last <see cref="Window"/>.</summary>
    public static async Task<bool> IsRecentAsync(HttpContext http)
    {
        var session = await http.AuthenticateAsync(IdentityConstants.ApplicationScheme);
        if (!session.Succeeded || session.Properties?.Items.TryGetValue(Item, out var value) != true
            || !DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var signedInAt))
        {
            return false;
        }
        var now = http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
        return now - signedInAt < Window;
    }

    /// <summary>Marks the caller's session as proved now (after the password was entered again), keeping everything else.</summary>
    public static async Task ConfirmAsync(HttpContext http)
    {
        var session = await http.AuthenticateAsync(IdentityConstants.ApplicationScheme);
        if (!session.Succeeded)
        {
            throw new InvalidOperationException("Only a signed-in session can be confirmed.");
        }
        var now = http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
        var properties = session.Properties!;
        properties.Items[Item] = now.ToString("O", CultureInfo.InvariantCulture);
        await http.SignInAsync(IdentityConstants.ApplicationScheme, session.Principal!, properties);
    }
}
