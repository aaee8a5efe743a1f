using System.Globalization;
using System.Text;
using Consortium.Client;
using Consortium.Server.Identity;
using Consortium.Server.Investigations;

namespace Consortium.Server.Demo;

/// <summary>
/// A fictional consortium for newcomers to click through: 17 invented outlets, their reporters, and a leak of
/// synthetic phone numbers. Every number comes from ranges that regulators reserve for fiction (Ofcom's drama
/// numbers, ACMA's fictitious ranges, the North American 555-01XX block), so none can belong to a real person.
/// </summary>
public static class DemoConsortium
{
    public const string CoordinatorId = "le-veilleur";

    /// <summary>The name of the demo's leak, the dataset the seeded work and the demo partner are about.</summary>
    public const string NumbersDataset = "Selected numbers";

    public static readonly IReadOnlyList<Outlet> Outlets =
    [
        new("le-veilleur", "Le Veilleur", "FR", "Europe/Paris"),
        new("harbour-courier", "The Harbour Courier", "GB", "Europe/London"),
        new("die-lupe", "Die Lupe", "DE", "Europe/Berlin"),
        new("la-linterna", "La Linterna", "MX", "America/Mexico_City"),
        new("il-setaccio", "Il Setaccio", "IT", "Europe/Rome"),
        new("het-zoeklicht", "Het Zoeklicht", "NL", "Europe/Amsterdam"),
        new("gazeta-lupa", "Gazeta Lupa", "PL", "Europe/Warsaw"),
        new("al-mirsad", "Al-Mirsad", "MA", "Africa/Casablanca"),
        new("the-meridian", "The Meridian", "US", "America/New_York"),
        new("pacific-wire", "Pacific Wire", "AU", "Australia/Sydney"),
        new("nordlys", "Nordlys Granskning", "SE", "Europe/Stockholm"),
        new("o-farol", "O Farol", "BR", "America/Sao_Paulo"),
        new("kronika", "Kronika", "HU", "Europe/Budapest"),
        new("satya-report", "Satya Report", "IN", "Asia/Kolkata"),
        new("mizan-daily", "Mizan Daily", "LB", "Asia/Beirut"),
        new("the-lens", "The Lens", "KE", "Africa/Nairobi"),
        new("open-forensics-lab", "Open Forensics Lab", "DE", "Europe/Berlin"),
    ];

    private static readonly Dictionary<string, string[]> People = new()
    {
        ["le-veilleur"] = ["camille.roux", "theo.marchand"],
        ["harbour-courier"] = ["nadia.okafor", "tom.ellery"],
        ["die-lupe"] = ["jonas.weber", "lea.hartmann"],
        ["la-linterna"] = ["lucia.mendez", "diego.salas"],
        ["il-setaccio"] = ["giulia.conti", "marco.ferri"],
        ["het-zoeklicht"] = ["sanne.devries", "bram.jansen"],
        ["gazeta-lupa"] = ["ola.nowak", "piotr.zielinski"],
        ["al-mirsad"] = ["yasmine.benali", "karim.tazi"],
        ["the-meridian"] = ["ana.ruiz", "david.kim"],
        ["pacific-wire"] = ["mia.clarke", "liam.ng"],
        ["nordlys"] = ["elin.berg", "oskar.lind"],
        ["o-farol"] = ["beatriz.lima", "rafael.costa"],
        ["kronika"] = ["anna.kovacs", "bence.szabo"],
        ["satya-report"] = ["priya.nair", "arjun.mehta"],
        ["mizan-daily"] = ["rania.haddad", "omar.khalil"],
        ["the-lens"] = ["wanjiru.kamau", "otieno.ouma"],
        ["open-forensics-lab"] = ["hanna.vogel", "felix.brandt"],
    };

    /// <summary>
    /// Everyone takes part: the coordinating outlet's first reporter coordinates, each outlet's first is an editor, the
    /// lab's people are analysts, the rest reporters.
    /// </summary>
    public static InvestigationRole RoleOf(string outletId, int index) =>
        outletId == CoordinatorId && index == 0 ? InvestigationRole.Coordinator
        : outletId == "open-forensics-lab" ? InvestigationRole.Analyst
        : index == 0 ? InvestigationRole.Editor
        : InvestigationRole.Reporter;

    /// <summary>The demo reporters of an outlet (local parts of their stand-in user names).</summary>
    public static IReadOnlyList<string> PeopleOf(string outletId) => People.TryGetValue(outletId, out var people) ? people : [];

    // Ofcom's numbers for drama: each prefix is followed by 000-999.
    private static readonly (string Prefix, string Country)[] UkDrama =
    [
        ("07700 900", "GB"), ("020 7946 0", "GB"), ("0113 496 0", "GB"), ("0114 496 0", "GB"), ("0115 496 0", "GB"),
        ("0116 496 0", "GB"), ("0117 496 0", "GB"), ("0118 496 0", "GB"), ("0121 496 0", "GB"), ("0131 496 0", "GB"),
        ("0141 496 0", "GB"), ("0151 496 0", "GB"), ("0161 496 0", "GB"), ("0191 498 0", "GB"), ("028 9649 6", "GB"),
        ("029 2018 0", "GB"), ("01632 960", "GB"),
    ];

    // ACMA's fictitious ranges: each prefix is followed by 0000-9999.
    private static readonly string[] AustralianFiction = ["02 5550", "02 7010", "03 5550", "03 7010", "07 5550", "07 7010", "08 5550", "08 7010"];

    private static readonly int[] NorthAmericanAreaCodes =
        [201, 202, 203, 205, 206, 207, 208, 209, 210, 212, 213, 214, 215, 216, 217, 218, 219, 224, 225, 228, 229, 231, 234, 239, 240, 248,
         251, 252, 253, 254, 256, 260, 262, 267, 269, 270, 276, 281, 301, 302, 303, 304, 305, 307, 308, 309, 310, 312, 313, 314, 315, 316,
         317, 318, 319, 320, 321, 323, 325, 330, 334, 336, 337, 339, 347, 351, 352, 360, 361, 385, 386, 401, 402, 404, 405, 406, 407, 408, 409, 410];

    /// <summary>A CSV of <paramref name="count"/> distinct synthetic numbers (at most 50,000), the same every time.</summary>
    public static string SelectedNumbersCsv(int count)
    {
        var random = new Random(2021);
        var rows = new List<(string Phone, string Country)>(50_000);
        foreach (var (prefix, country) in UkDrama)
        {
            for (var n = 0; n < 1000; n++)
            {
                var digits = prefix + n.ToString("000", CultureInfo.InvariantCulture);
                // Some sources write numbers internationally; the importer must normalise both forms alike.
                rows.Add((n % 3 == 0 ? "+44 " + digits[1..] : digits, country));
            }
        }
        foreach (var prefix in AustralianFiction)
        {
            for (var n = 0; n < 3125; n++)
            {
                rows.Add(($"{prefix} {n:0000}", "AU"));
            }
        }
        foreach (var area in NorthAmericanAreaCodes)
        {
            for (var n = 0; n < 100; n++)
            {
                rows.Add(($"({area}) 555-01{n:00}", "US"));
            }
        }

        var selectors = Enumerable.Range(1, 12).Select(i => $"Client {i:00}").ToArray();
        var start = new DateTime(2016, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        var csv = new StringBuilder("phone,country,first_seen,selector\n");
        foreach (var (phone, country) in rows.OrderBy(_ => random.Next()).Take(Math.Min(count, rows.Count)))
        {
            var seen = start.AddMinutes(random.Next(0, 6 * 365 * 24 * 60));
            csv.Append(phone).Append(',').Append(country).Append(',')
               .Append(seen.ToString("yyyy-MM-dd'T'HH:mm'Z'", CultureInfo.InvariantCulture)).Append(',')
               .Append(selectors[random.Next(selectors.Length)]).Append('\n');
        }
        return csv.ToString();
    }
}
