using System.Globalization;
using System.Text;

namespace Consortium.Benchmarks;

/// <summary>
/// A synthetic selection list like the demo's, at any size: one row per selection of a number (a number is selected
/// several times, on different dates, by different clients), with a name, an organisation and free notes for full-text
/// search. Numbers come only from ranges reserved for fiction (Ofcom's drama numbers, ACMA's fictitious ranges, the
/// North American 555-0100..0199 block), about 176,000 of them; the notes use invented words. The same every time.
/// </summary>
public sealed class SyntheticLeak
{
    public const string Header = "phone,country,first_seen,selector,name,organisation,notes";

    /// <summary>In about 15% of rows: the "common word" of the search scenario.</summary>
    public const string CommonWord = "meeting";

    /// <summary>In about 4% of rows: the word of the filtered facet count.</summary>
    public const string FilterWord = "transfer";

    private const int RareWordCount = 40;

    private static readonly string[] FirstNames =
        ["José", "María", "Zoë", "Łukasz", "Aïcha", "Søren", "Chloé", "Jürgen", "Inês", "Mehmet", "Ana", "David", "Priya", "Omar", "Yuki", "Kwame",
         "Élodie", "Björn", "Nadia", "Tomás", "Fatima", "Oskar", "Lucía", "Rania", "Giulia", "Hannah", "Pieter", "Ola", "Karim", "Wanjiru"];

    private static readonly string[] LastNames =
        ["Muñoz", "García", "Kowalski", "Benali", "Nørgaard", "Lefèvre", "Müller", "Conceição", "Yılmaz", "Ruiz", "Kim", "Nair", "Khalil", "Tanaka",
         "Mensah", "Dubois", "Lindqvist", "Okafor", "Ferreira", "Haddad", "Conti", "Vogel", "de Vries", "Nowak", "Tazi", "Kamau", "Szabó", "Kovács", "Roux", "Weber"];

    private static readonly string[] Organisations =
        ["Ministry of Interior", "Customs Directorate", "Presidential Guard", "National Intelligence Office", "Port Authority", "Central Bank",
         "Opposition Party", "Bar Association", "Daily Herald", "Human Rights League", "Trade Union Federation", "University Council",
         "Electoral Commission", "Anti-Corruption Agency", "State Broadcaster", "Chamber of Commerce"];

    private static readonly string[] Syllables = ["ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "be", "da", "fe", "gi", "ho", "ju", "pe", "qui", "wa", "xe", "yo", "zu"];

    public SyntheticLeak()
    {
        Numbers = FictionNumbers();
        Vocabulary = [.. from a in Syllables from b in Syllables from c in Syllables select a + b + c];
        RareWords = [.. Enumerable.Range(0, RareWordCount).Select(i => "zephyr" + (char)('a' + i / 26) + (char)('a' + i % 26) + "ite")];
    }

    /// <summary>Written form and country of every number in the pool.</summary>
    public IReadOnlyList<(string Written, string Country)> Numbers { get; }

    public IReadOnlyList<string> Vocabulary { get; }

    /// <summary>Words that occur in exactly two rows each (when the file has at least 1,000 rows).</summary>
    public IReadOnlyList<string> RareWords { get; }

    /// <summary>Digits of the number as the server stores them (E.164 without the plus).</summary>
    public static string DigitsOf((string Written, string Country) number) =>
        Consortium.Server.Records.PhoneNumbers.TryNormalise(number.Written, number.Country)?.Digits ?? throw new InvalidOperationException($"Unreadable {number.Written}");

    /// <summary>Writes <paramref name="rows"/> rows of CSV (header first) to <paramref name="path"/>.</summary>
    public void Write(string path, int rows)
    {
        var random = new Random(2021);
        var start = new DateTime(2016, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        // Each rare word goes into two rows spread through the file.
        var rare = new Dictionary<int, string>();
        for (var i = 0; i < RareWords.Count; i++)
        {
            rare[(int)((long)rows * (2 * i + 1) / (2 * RareWords.Count + 1))] = RareWords[i];
            rare[(int)((long)rows * (2 * i + 2) / (2 * RareWords.Count + 1))] = RareWords[i];
        }
        using var writer = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 20);
        writer.Write(Header);
        writer.Write('\n');
        var notes = new StringBuilder();
        for (var row = 0; row < rows; row++)
        {
            var (written, country) = Numbers[random.Next(Numbers.Count)];
            var seen = start.AddMinutes(random.Next(0, 6 * 365 * 24 * 60));
            notes.Clear();
            var words = random.Next(3, 7);
            for (var w = 0; w < words; w++)
            {
                notes.Append(w == 0 ? "" : " ").Append(Vocabulary[random.Next(Vocabulary.Count)]);
            }
            if (random.NextDouble() < 0.15)
            {
                notes.Append(' ').Append(CommonWord);
            }
            if (random.NextDouble() < 0.04)
            {
                notes.Append(' ').Append(FilterWord);
            }
            if (rare.TryGetValue(row, out var word))
            {
                notes.Append(' ').Append(word);
            }
            writer.Write(written);
            writer.Write(',');
            writer.Write(country);
            writer.Write(',');
            writer.Write(seen.ToString("yyyy-MM-dd'T'HH:mm'Z'", CultureInfo.InvariantCulture));
            writer.Write(",S-");
            writer.Write(random.Next(1, 13).ToString("00", CultureInfo.InvariantCulture));
            writer.Write(',');
            writer.Write(FirstNames[random.Next(FirstNames.Length)]);
            writer.Write(' ');
            writer.Write(LastNames[random.Next(LastNames.Length)]);
            writer.Write(',');
            writer.Write(Organisations[random.Next(Organisations.Length)]);
            writer.Write(',');
            writer.Write(notes);
            writer.Write('\n');
        }
    }

    private static List<(string, string)> FictionNumbers()
    {
        var numbers = new List<(string, string)>(180_000);
        string[] ukDrama =
        [
            "07700 900", "020 7946 0", "0113 496 0", "0114 496 0", "0115 496 0", "0116 496 0", "0117 496 0", "0118 496 0", "0121 496 0",
            "0131 496 0", "0141 496 0", "0151 496 0", "0161 496 0", "0191 498 0", "028 9649 6", "029 2018 0", "01632 960",
        ];
        foreach (var prefix in ukDrama)
        {
            for (var n = 0; n < 1000; n++)
            {
                var digits = prefix + n.ToString("000", CultureInfo.InvariantCulture);
                numbers.Add((n % 3 == 0 ? "+44 " + digits[1..] : digits, "GB"));
            }
        }
        foreach (var prefix in new[] { "02 5550", "02 7010", "03 5550", "03 7010", "07 5550", "07 7010", "08 5550", "08 7010" })
        {
            for (var n = 0; n < 10_000; n++)
            {
                numbers.Add(($"{prefix} {n:0000}", "AU"));
            }
        }
        // 555-0100 to 555-0199 is fictional in every North American area code.
        for (var area = 201; area <= 989; area++)
        {
            if (area % 100 == 11 || area / 10 % 10 == 9)
            {
                continue; // N11 service codes and N9X expansion codes are not area codes.
            }
            for (var n = 0; n < 100; n++)
            {
                numbers.Add(($"({area}) 555-01{n:00}", "US"));
            }
        }
        return numbers;
    }
}
