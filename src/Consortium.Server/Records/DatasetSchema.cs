using System.Globalization;
using Consortium.Client;
using Consortium.Server.Access;

namespace Consortium.Server.Records;

/// <summary>
/// What a dataset's columns are (<see cref="ColumnKinds"/>), declared when the dataset is created or inferred from the
/// first file's header, and how a row is normalised from them: the first phone column to E.164 (its country from the
/// row's country column, else from the number itself), the country column to an ISO 3166 alpha-2 code, the first date
/// column to <c>yyyy-MM-dd</c>. Originals stay untouched in <see cref="LeakedRecord.Values"/>.
/// </summary>
public static class DatasetSchema
{
    private static readonly string[] PhoneNames = ["phone", "phone_number", "phonenumber", "phone number", "number", "msisdn", "telephone", "tel", "mobile", "cell"];
    private static readonly string[] CountryNames = ["country", "country_code", "countrycode", "country code", "nationality"];
    private static readonly string[] DateNames = ["date", "day", "seen", "first_seen", "last_seen", "timestamp", "time", "created", "created_at"];

    /// <summary>The kind a column name suggests when no schema was declared.</summary>
    public static string InferKind(string column)
    {
        var name = column.Trim().ToLowerInvariant();
        if (PhoneNames.Contains(name) || name.Contains("phone", StringComparison.Ordinal) || name.Contains("msisdn", StringComparison.Ordinal))
        {
            return ColumnKinds.Phone;
        }
        if (CountryNames.Contains(name))
        {
            return ColumnKinds.Country;
        }
        if (DateNames.Contains(name) || name.EndsWith("_date", StringComparison.Ordinal) || name.StartsWith("date_", StringComparison.Ordinal) || name.EndsWith(" date", StringComparison.Ordinal))
        {
            return ColumnKinds.Date;
        }
        return ColumnKinds.Free;
    }

    public static IReadOnlyList<DatasetColumn> Infer(IEnumerable<string> header) => header.Select(c => new DatasetColumn(c, InferKind(c))).ToArray();

    /// <summary>Null when <paramref name="schema"/> is usable; otherwise why not.</summary>
    public static string? Validate(IReadOnlyList<DatasetColumn> schema)
    {
        if (schema.Count == 0 || schema.Count > 500)
        {
            return "A schema names 1 to 500 columns.";
        }
        if (schema.Any(c => string.IsNullOrWhiteSpace(c.Name) || c.Name.Length > 200))
        {
            return "Every column needs a name of 1 to 200 characters.";
        }
        if (schema.Select(c => c.Name.Trim()).Distinct(StringComparer.OrdinalIgnoreCase).Count() != schema.Count)
        {
            return "Column names must be distinct.";
        }
        if (schema.FirstOrDefault(c => !ColumnKinds.All.Contains(c.Kind)) is { } unknown)
        {
            return $"Column {unknown.Name}: the kind must be one of {string.Join(", ", ColumnKinds.All)}.";
        }
        return null;
    }

    /// <summary>Normalises rows of a file with a given header under a schema (null: inferred from the header).</summary>
    public sealed class Normaliser
    {
        private readonly string? phone;
        private readonly string? country;
        private readonly string? date;

        public Normaliser(string[] header, IReadOnlyList<DatasetColumn>? schema)
        {
            var kinds = (schema ?? Infer(header)).ToDictionary(c => c.Name.Trim(), c => c.Kind, StringComparer.Ordinal);
            string? First(string kind) => header.FirstOrDefault(h => kinds.TryGetValue(h, out var k) && k == kind);
            phone = First(ColumnKinds.Phone);
            country = First(ColumnKinds.Country);
            date = First(ColumnKinds.Date);
        }

        public string? PhoneColumn => phone;

        public sealed record Result(PhoneNumbers.Normalised? Phone, string? Country, string? Date);

        /// <summary>Null with a column and reason when the row cannot be stored as declared.</summary>
        public (Result? Result, string? Column, string? Reason) Normalise(Dictionary<string, string> values)
        {
            var countryCode = country is null ? null : Countries.ToCode(values[country]);
            PhoneNumbers.Normalised? number = null;
            if (phone is not null)
            {
                number = PhoneNumbers.TryNormalise(values[phone], countryCode);
                if (number is null)
                {
                    return (null, phone, "Not a phone number that can be read.");
                }
            }
            return (new Result(number, number?.Country ?? countryCode, date is null ? null : Dates.ToIso(values[date])), null, null);
        }
    }

    /// <summary>ISO 3166 alpha-2 codes from codes (alpha-2 or alpha-3) or English names, as .NET's region data knows them.</summary>
    public static class Countries
    {
        private static readonly Dictionary<string, string> Codes = Build();

        public static string? ToCode(string text)
        {
            var key = text.Trim();
            return key.Length == 0 ? null : Codes.GetValueOrDefault(key);
        }

        private static Dictionary<string, string> Build()
        {
            var codes = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var region in PhoneNumbers.SupportedRegions)
            {
                codes[region] = region;
            }
            foreach (var culture in CultureInfo.GetCultures(CultureTypes.SpecificCultures))
            {
                try
                {
                    var info = new RegionInfo(culture.Name);
                    if (info.TwoLetterISORegionName.Length != 2 || !char.IsAsciiLetter(info.TwoLetterISORegionName[0]))
                    {
                        continue;
                    }
                    var code = info.TwoLetterISORegionName.ToUpperInvariant();
                    codes.TryAdd(info.TwoLetterISORegionName, code);
                    codes.TryAdd(info.ThreeLetterISORegionName, code);
                    codes.TryAdd(info.EnglishName, code);
                }
                catch (ArgumentException)
                {
                    // A culture without a region.
                }
            }
            // Common names .NET spells otherwise.
            codes.TryAdd("UK", "GB");
            codes.TryAdd("United States of America", "US");
            codes.TryAdd("USA", "US");
            return codes;
        }
    }

    /// <summary>Dates to ISO 8601 (<c>yyyy-MM-dd</c>); null when the text is not a date this reads unambiguously.</summary>
    public static class Dates
    {
        private static readonly string[] Formats =
        [
            "yyyy-MM-dd", "yyyy-MM-ddTHH:mm:ss", "yyyy-MM-ddTHH:mm:ssZ", "yyyy-MM-ddTHH:mm:ss.FFFFFFFZ", "yyyy-MM-ddTHH:mm:sszzz",
            "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm", "yyyy/MM/dd", "yyyyMMdd", "dd.MM.yyyy", "d MMMM yyyy", "d MMM yyyy",
        ];

        public static string? ToIso(string text)
        {
            var trimmed = text.Trim();
            if (trimmed.Length >= 10 && trimmed[4] == '-' && trimmed[7] == '-'
                && DateOnly.TryParseExact(trimmed.AsSpan(0, 10), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var iso))
            {
                // The calendar day as written: a time and offset after it do not move the date.
                return iso.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            }
            return DateTime.TryParseExact(trimmed, Formats, CultureInfo.InvariantCulture, DateTimeStyles.AllowWhiteSpaces | DateTimeStyles.AdjustToUniversal, out var parsed)
                ? parsed.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)
                : null;
        }
    }
}
