using System.Globalization;
using Consortium.Client;
using NodaTime;
using NodaTime.Text;
using NodaTime.TimeZones;

namespace Consortium.Server.Publication;

/// <summary>
/// An embargo instant as stored: UTC, with the IANA zone and the local time it was entered in (the zone's rules may
/// change later; what the coordinator typed stays on record).
/// </summary>
public sealed record EmbargoTime(DateTimeOffset Utc, string Zone, string LocalTime, string Offset);

/// <summary>
/// Turns what a person types into an instant with NodaTime's TZDB, never with hand-written offsets: a local time the
/// clocks skip is refused, one they pass twice needs the offset chosen explicitly. And shows an instant in any zone.
/// </summary>
public static class EmbargoTimes
{
    private static readonly LocalDateTimePattern[] LocalPatterns =
    [
        LocalDateTimePattern.CreateWithInvariantCulture("uuuu'-'MM'-'dd'T'HH':'mm"),
        LocalDateTimePattern.CreateWithInvariantCulture("uuuu'-'MM'-'dd'T'HH':'mm':'ss"),
        LocalDateTimePattern.CreateWithInvariantCulture("uuuu'-'MM'-'dd' 'HH':'mm"),
    ];

    private static readonly LocalDateTimePattern Shown = LocalDateTimePattern.CreateWithInvariantCulture("uuuu'-'MM'-'dd'T'HH':'mm':'ss");
    private static readonly OffsetPattern OffsetText = OffsetPattern.CreateWithInvariantCulture("+HH:mm");

    public const int MinYear = 2000;
    public const int MaxYear = 2100;

    /// <summary>Dates the desk accepts anywhere (embargoes, deadlines, letters): beyond them arithmetic and calendars overflow.</summary>
    public static bool InRange(int year) => year is >= MinYear and <= MaxYear;

    public static bool InRange(DateTimeOffset? value) => value is not { } v || InRange(v.UtcDateTime.Year);

    /// <summary>The local date and time of <paramref name="utc"/> in <paramref name="zoneId"/>, as NodaTime computes it (no text round trip).</summary>
    public static DateTime LocalIn(DateTimeOffset utc, string zoneId) =>
        Instant.FromDateTimeOffset(utc).InZone(FindZone(zoneId) ?? DateTimeZone.Utc).LocalDateTime.ToDateTimeUnspecified();

    public static DateTimeZone? FindZone(string? id) => string.IsNullOrWhiteSpace(id) ? null : DateTimeZoneProviders.Tzdb.GetZoneOrNull(id.Trim());

    /// <summary>The instant, or the field at fault (<paramref name="field"/>.zone, .localTime, .offset) with a message a person can act on.</summary>
    public static (EmbargoTime? Time, string? Field, string? Error) Parse(EmbargoInput? input, string field)
    {
        if (input is null)
        {
            return (null, field, "Give the embargo's local time and IANA zone.");
        }
        if (FindZone(input.Zone) is not { } zone)
        {
            return (null, $"{field}.zone", $"'{input.Zone}' is not an IANA time zone id (such as Europe/Paris).");
        }
        var local = LocalPatterns.Select(p => p.Parse(input.LocalTime?.Trim() ?? "")).FirstOrDefault(r => r.Success)?.Value;
        if (local is not { } when)
        {
            return (null, $"{field}.localTime", $"'{input.LocalTime}' is not a local date and time such as 2027-03-29T18:00.");
        }
        if (!InRange(when.Year))
        {
            return (null, $"{field}.localTime", $"'{input.LocalTime}' is outside the years {MinYear} to {MaxYear}.");
        }
        var mapping = zone.MapLocal(when);
        ZonedDateTime zoned;
        switch (mapping.Count)
        {
            case 0:
                return (null, $"{field}.localTime",
                    $"{Shown.Format(when)} does not exist in {zone.Id}: the clocks jump from {Shown.Format(mapping.EarlyInterval.IsoLocalEnd)} to {Shown.Format(mapping.LateInterval.IsoLocalStart)} (daylight saving begins). Choose a time outside that gap.");
            case 1:
                zoned = mapping.Single();
                if (input.Offset is { Length: > 0 } given && OffsetText.Format(zoned.Offset) != NormaliseOffset(given))
                {
                    return (null, $"{field}.offset", $"{Shown.Format(when)} in {zone.Id} is at {OffsetText.Format(zoned.Offset)}, not {given}.");
                }
                break;
            default:
                var choices = new[] { mapping.First(), mapping.Last() };
                var chosen = input.Offset is { Length: > 0 } offset ? choices.FirstOrDefault(c => OffsetText.Format(c.Offset) == NormaliseOffset(offset)) : (ZonedDateTime?)null;
                if (chosen is not { } picked)
                {
                    return (null, $"{field}.offset",
                        $"{Shown.Format(when)} happens twice in {zone.Id} (the clocks go back): give offset {OffsetText.Format(choices[0].Offset)} for the first or {OffsetText.Format(choices[1].Offset)} for the second.");
                }
                zoned = picked;
                break;
        }
        return (new EmbargoTime(zoned.ToDateTimeOffset().ToUniversalTime(), zone.Id, Shown.Format(when), OffsetText.Format(zoned.Offset)), null, null);
    }

    private static string NormaliseOffset(string offset)
    {
        var parsed = OffsetText.Parse(offset.Trim());
        return parsed.Success ? OffsetText.Format(parsed.Value) : offset.Trim();
    }

    /// <summary>The instant in <paramref name="zoneId"/> (UTC if the id is unknown).</summary>
    public static ZonedTime In(DateTimeOffset utc, string label, string? zoneId)
    {
        var zone = FindZone(zoneId) ?? DateTimeZone.Utc;
        var zoned = Instant.FromDateTimeOffset(utc).InZone(zone);
        var abbreviation = zone.GetZoneInterval(zoned.ToInstant()).Name;
        return new ZonedTime(label, zone.Id, Shown.Format(zoned.LocalDateTime), OffsetText.Format(zoned.Offset), abbreviation);
    }

    /// <summary>A short text for notices and the CLI: "2027-03-29 18:00 Europe/Paris (+02:00)".</summary>
    public static string Describe(DateTimeOffset utc, string zoneId)
    {
        var shown = In(utc, "", zoneId);
        return string.Create(CultureInfo.InvariantCulture, $"{shown.LocalTime.Replace('T', ' ')[..16]} {shown.Zone} ({shown.Offset}), {utc.UtcDateTime:yyyy-MM-dd HH:mm} UTC");
    }
}
