using PhoneNumbers;

namespace Consortium.Server.Records;

/// <summary>Normalises phone numbers to E.164 with libphonenumber, deriving the country from the number when the row lacks one.</summary>
public static class PhoneNumbers
{
    private static readonly PhoneNumberUtil Util = PhoneNumberUtil.GetInstance();

    public sealed record Normalised(string E164, string Digits, string? Country);

    /// <summary>The regions libphonenumber knows, as ISO 3166 alpha-2 codes.</summary>
    public static IReadOnlySet<string> SupportedRegions => Util.GetSupportedRegions();

    /// <summary>Null when the text cannot be read as a phone number (the row is then rejected with a reason).</summary>
    public static Normalised? TryNormalise(string text, string? defaultCountry)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }
        var region = defaultCountry is { Length: 2 } ? defaultCountry.ToUpperInvariant() : "ZZ";
        if (Parse(text, region) is { } number)
        {
            return number;
        }
        // Without a country, a number written in international form without its "+" (447700900123, 00447700900123)
        // still names its country: read it as such rather than reject it.
        if (region == "ZZ")
        {
            var digits = DigitsOf(text);
            if (digits.StartsWith("00", StringComparison.Ordinal))
            {
                digits = digits[2..];
            }
            if (digits.Length >= 8 && digits[0] != '0')
            {
                return Parse("+" + digits, region);
            }
        }
        return null;
    }

    private static Normalised? Parse(string text, string region)
    {
        try
        {
            var number = Util.Parse(text, region);
            var e164 = Util.Format(number, PhoneNumberFormat.E164);
            // Finding the region tries every region of the calling code against the number's patterns (25 for +1);
            // a calling code of one region needs no such search, which saves most of an import's normalisation time.
            var regions = Util.GetRegionCodesForCountryCode(number.CountryCode);
            var country = regions.Count == 1 ? regions[0] : Util.GetRegionCodeForNumber(number);
            if (country is null or "ZZ")
            {
                // A number outside every region's known ranges (fictional ones, say) still names its country by its
                // calling code: the code's main region (GB for +44, US for +1).
                country = Util.GetRegionCodeForCountryCode(number.CountryCode);
            }
            return new Normalised(e164, e164.TrimStart('+'), country is null or "ZZ" or "001" ? null : country);
        }
        catch (NumberParseException)
        {
            return null;
        }
    }

    /// <summary>Only the digits of a search term, so "+44 (0)7700-900" and "447700900" find the same numbers.</summary>
    public static string DigitsOf(string text) => new(text.Where(char.IsAsciiDigit).ToArray());
}
