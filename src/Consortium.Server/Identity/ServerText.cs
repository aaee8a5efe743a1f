using System.Globalization;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Html;

namespace Consortium.Server.Identity;

/// <summary>
/// The words of the pages the server renders itself (sign-in, enrolment, invitation, passkeys, sign-out), in the
/// request's language (<see cref="PreferenceCulture"/>). A text is looked up by its English wording, which stays in
/// the page so the page reads as it shows; every entry of <see cref="ServerTextCatalog"/> must give all four languages
/// (its constructor has no optional parameter), and a test fails on a page text the catalog lacks.
/// </summary>
public static class ServerText
{
    private static readonly Dictionary<string, ServerTranslation> ByEnglish =
        ServerTextCatalog.Entries.ToDictionary(e => e.En, StringComparer.Ordinal);

    public static bool Has(string english) => ByEnglish.ContainsKey(english);

    /// <summary>The text in the current language; {0}, {1}… filled from args (numbers written the language's way).</summary>
    public static string T(string english, params object[] args) => In(PersonLanguages.Current, english, args);

    public static string In(string language, string english, params object[] args)
    {
        var template = ByEnglish.TryGetValue(english, out var entry) ? entry.In(language) : english;
        return args.Length == 0 ? template : string.Format(Culture(language), template, args);
    }

    /// <summary>A text with one value set in bold, e.g. the email in "Choose a password for {0}."; both parts encoded.</summary>
    public static IHtmlContent Strong(string english, string value)
    {
        var encoded = Encoder.Encode(T(english));
        return new HtmlString(encoded.Replace("{0}", $"<strong>{Encoder.Encode(value)}</strong>", StringComparison.Ordinal));
    }

    // Like the pages' own encoder: every script as characters; markup characters still encoded.
    private static readonly HtmlEncoder Encoder = HtmlEncoder.Create(System.Text.Unicode.UnicodeRanges.All);

    /// <summary>"rtl" for Arabic, else "ltr": the pages' &lt;html dir&gt;.</summary>
    public static string Direction => PersonLanguages.IsRightToLeft(PersonLanguages.Current) ? "rtl" : "ltr";

    /// <summary>A date as the language writes it, always on the Gregorian calendar (Arabic cultures may default to another).</summary>
    public static string Date(DateTimeOffset instant, string format = "d MMMM yyyy, HH:mm")
    {
        return instant.UtcDateTime.ToString(format, Culture(PersonLanguages.Current));
    }

    private static CultureInfo Culture(string language)
    {
        var culture = (CultureInfo)CultureInfo.GetCultureInfo(language).Clone();
        if (culture.DateTimeFormat.Calendar is not GregorianCalendar)
        {
            culture.DateTimeFormat.Calendar = new GregorianCalendar();
        }
        return culture;
    }
}

/// <summary>One text of the server's pages in every language.</summary>
public sealed record ServerTranslation(string En, string Fr, string Es, string Ar)
{
    public string In(string language) => language switch
    {
        "fr" => Fr,
        "es" => Es,
        "ar" => Ar,
        _ => En,
    };
}
