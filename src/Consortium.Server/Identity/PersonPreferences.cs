using System.Globalization;
using Consortium.Client;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Localization;
using NodaTime;

namespace Consortium.Server.Identity;

/// <summary>
/// A person's language and time zone, kept on the server so they follow the person to every device (decision 0033).
/// A Marten document keyed by the account id, beside the account rather than in it: no identity-schema migration, and
/// the publication desk reads the zone as the person's own ("you"). Null: not chosen, the browser's applies.
/// </summary>
public sealed record PersonPreferences(string Id, string? Language, string? TimeZone);

public static class PersonLanguages
{
    /// <summary>The languages of the web UI and of the server's own pages (src/Consortium.Web/src/i18n/languages.ts).</summary>
    public static readonly IReadOnlyList<string> Supported = ["en", "fr", "es", "ar"];

    public const string Default = "en";

    public static bool IsRightToLeft(string language) => language == "ar";

    /// <summary>The supported language of a culture, e.g. fr-CA → fr; English for any other.</summary>
    public static string Of(CultureInfo culture)
    {
        var language = culture.TwoLetterISOLanguageName;
        return Supported.Contains(language) ? language : Default;
    }

    /// <summary>The language the current request's pages are in (set by request localisation).</summary>
    public static string Current => Of(CultureInfo.CurrentUICulture);

    public static string? Normalise(string? language)
    {
        var value = language?.Trim().ToLowerInvariant();
        return string.IsNullOrEmpty(value) ? null : Supported.Contains(value) ? value : "";
    }

    public static string? NormaliseZone(string? zone) =>
        string.IsNullOrWhiteSpace(zone) ? null : DateTimeZoneProviders.Tzdb.GetZoneOrNull(zone.Trim())?.Id ?? "";
}

public static class PersonPreferenceEndpoints
{
    public static RouteGroupBuilder MapPersonPreferences(this RouteGroupBuilder group)
    {
        group.MapPut("/me/preferences", PutPreferences);
        return group;
    }

    /// <summary>
    /// Sets the person's language and time zone (null clears one: the browser's applies again). The server's own
    /// pages on this device follow at once through the culture cookie; other devices at their next sign-in.
    /// </summary>
    private static async Task<Results<Ok<PreferencesInput>, ValidationProblem>> PutPreferences(
        PreferencesInput input, HttpContext http, IDocumentSession session, CancellationToken cancellationToken)
    {
        var user = ConsortiumUser.From(http.User);
        var language = PersonLanguages.Normalise(input.Language);
        var zone = PersonLanguages.NormaliseZone(input.TimeZone);
        var errors = new Dictionary<string, string[]>();
        if (language == "")
        {
            errors["language"] = [$"'{input.Language}' is not one of the languages: {string.Join(", ", PersonLanguages.Supported)}."];
        }
        if (zone == "")
        {
            errors["timeZone"] = [$"'{input.TimeZone}' is not an IANA time zone id (such as Europe/Paris)."];
        }
        if (errors.Count > 0 || user.IsSyncClient)
        {
            return TypedResults.ValidationProblem(errors.Count > 0 ? errors : new() { ["account"] = ["Sync clients have no preferences."] });
        }
        session.Store(new PersonPreferences(user.UserId, language, zone));
        await session.SaveChangesAsync(cancellationToken);
        PreferenceCulture.Remember(http, language);
        return TypedResults.Ok(new PreferencesInput(language, zone));
    }
}

/// <summary>
/// The language of the server's own pages: the signed-in person's preference, else the language this device last
/// chose (a culture cookie, set when a preference is saved or read), else the browser's Accept-Language.
/// </summary>
public static class PreferenceCulture
{
    public static void Remember(HttpContext http, string? language)
    {
        if (language is null)
        {
            http.Response.Cookies.Delete(CookieRequestCultureProvider.DefaultCookieName);
            return;
        }
        http.Response.Cookies.Append(CookieRequestCultureProvider.DefaultCookieName,
            CookieRequestCultureProvider.MakeCookieValue(new RequestCulture(language)),
            new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Lax, Secure = http.Request.IsHttps, MaxAge = TimeSpan.FromDays(365), IsEssential = true });
    }

    /// <summary>Request localisation for the pages the server renders itself (/account, /connect), not for the API.</summary>
    public static WebApplication UseServerPageLanguages(this WebApplication app)
    {
        var cultures = PersonLanguages.Supported.Select(l => new CultureInfo(l)).ToList();
        var options = new RequestLocalizationOptions
        {
            DefaultRequestCulture = new RequestCulture(PersonLanguages.Default),
            SupportedCultures = cultures,
            SupportedUICultures = cultures,
            // fr-CA, es-MX, ar-EG: their parent language.
            FallBackToParentCultures = true,
            FallBackToParentUICultures = true,
        };
        options.RequestCultureProviders =
        [
            new CustomRequestCultureProvider(FromPreferenceAsync),
            new CookieRequestCultureProvider(),
            new AcceptLanguageHeaderRequestCultureProvider(),
        ];
        app.UseWhen(
            context => context.Request.Path.StartsWithSegments("/account") || context.Request.Path.StartsWithSegments("/connect"),
            branch => branch.UseRequestLocalization(options));
        return app;
    }

    private static async Task<ProviderCultureResult?> FromPreferenceAsync(HttpContext http)
    {
        if (http.User.Identity?.IsAuthenticated != true || http.User.FindFirst(ConsortiumUser.OutletClaim) is null)
        {
            return null;
        }
        var user = ConsortiumUser.From(http.User);
        if (user.IsSyncClient)
        {
            return null;
        }
        var session = http.RequestServices.GetRequiredService<IQuerySession>();
        var preferences = await session.LoadAsync<PersonPreferences>(user.UserId, http.RequestAborted);
        return preferences?.Language is { } language ? new ProviderCultureResult(language) : null;
    }
}
