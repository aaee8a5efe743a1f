using System.Security.Cryptography;
using System.Text;
using Consortium.Client;
using Consortium.Server.Identity;
using Consortium.Server.Access;
using Ical.Net;
using Ical.Net.CalendarComponents;
using Ical.Net.DataTypes;
using Ical.Net.Serialization;
using Marten;

namespace Consortium.Server.Publication;

/// <summary>A person's calendar feed: only the SHA-256 of its secret token is kept. Id: the user id.</summary>
public sealed record CalendarFeed(string Id, string TokenHash, string OutletId, string DisplayName, DateTimeOffset CreatedAt);

/// <summary>
/// The personal iCalendar feed (RFC 5545) at a secret URL: the embargoes, reply deadlines and sign-off deadlines the
/// person may see now (the same rules as the API, checked at every read), each in the zone it belongs to with its
/// VTIMEZONE, and SEQUENCE counting an embargo's moves so desk calendars replace the old instant.
/// </summary>
public static class PublicationCalendar
{
    public static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    /// <summary>Makes a new secret URL; the previous one stops working at once.</summary>
    public static async Task<IResult> Regenerate(HttpContext http, IDocumentSession session, PublicationClock clock, CancellationToken cancellationToken)
    {
        var user = ConsortiumUser.From(http.User);
        var token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        var now = clock.Now;
        session.Store(new CalendarFeed(user.UserId, Hash(token), user.OutletId, user.DisplayName, now));
        await session.SaveChangesAsync(cancellationToken);
        return TypedResults.Ok(new CalendarUrlView($"{http.Request.Scheme}://{http.Request.Host}/api/publication/calendar/{token}.ics", now));
    }

    public static async Task<IResult> Revoke(HttpContext http, IDocumentSession session, CancellationToken cancellationToken)
    {
        session.Delete<CalendarFeed>(ConsortiumUser.From(http.User).UserId);
        await session.SaveChangesAsync(cancellationToken);
        return TypedResults.NoContent();
    }

    public static async Task<IResult> Feed(string token, IQuerySession session, AccessPolicy policy, PublicationOptions options, CancellationToken cancellationToken)
    {
        var hash = Hash(token);
        var feeds = await session.Query<CalendarFeed>().Where(c => c.TokenHash == hash).ToListAsync(cancellationToken);
        var feed = feeds.Count > 0 ? feeds[0] : null;
        if (feed is null)
        {
            return Hosting.Problems.NotFound("calendar");
        }
        var user = new ConsortiumUser(feed.Id, feed.DisplayName, feed.OutletId);
        var outlet = await session.LoadAsync<Outlet>(user.OutletId, cancellationToken);
        var outletZone = EmbargoTimes.FindZone(outlet?.TimeZone)?.Id ?? "UTC";
        var stories = await session.Query<PublicationStory>().Where(s => s.ParticipantOutletIds.Contains(user.OutletId)).ToListAsync(cancellationToken);
        var calendar = new Calendar { ProductId = "-//Consortium//Embargo desk//EN" };
        calendar.AddProperty("X-WR-CALNAME", $"Embargoes: {feed.DisplayName}");
        var zones = new HashSet<string>(StringComparer.Ordinal);
        var waves = new HashSet<Guid>();
        foreach (var investigationId in stories.Select(s => s.InvestigationId).Distinct())
        {
            // Membership as of this read: a person who left no longer sees the investigation's desk in their calendar.
            if (await policy.InvestigationAsync(user, investigationId, cancellationToken) is null)
            {
                continue;
            }
            foreach (var story in stories.Where(s => s.InvestigationId == investigationId))
            {
                if (await session.LoadAsync<PublicationWave>(story.WaveId, cancellationToken) is not { } wave)
                {
                    continue;
                }
                if (waves.Add(wave.Id))
                {
                    var titles = stories.Where(s => s.WaveId == wave.Id).Select(s => s.Title);
                    calendar.Events.Add(Event($"embargo-{wave.Id}@consortium", $"Embargo lifts: {wave.Name}", $"Stories: {string.Join("; ", titles)}. State: {wave.State}.",
                        wave.Embargo.Utc, wave.Embargo.Zone, wave.Moves.Count, wave.State == EmbargoStates.Cancelled));
                    zones.Add(wave.Embargo.Zone);
                }
                foreach (var letter in story.Letters.Where(l => l.ResponseReceivedAt is null))
                {
                    calendar.Events.Add(Event($"reply-{letter.Id}@consortium", $"Reply deadline: {letter.Recipient} ({story.Title})",
                        $"Right-of-reply letter sent {letter.SentAt.UtcDateTime:yyyy-MM-dd HH:mm} UTC by {letter.OutletId} via {letter.Channel}.", letter.Deadline, outletZone, 0, false));
                    zones.Add(outletZone);
                }
                if (story.SignOffDeadline is { } deadline)
                {
                    calendar.Events.Add(Event($"sign-off-{story.Id}@consortium", $"Sign-off deadline: {story.Title}", "Legal review, right of reply done, copy final.", deadline, outletZone, 0, false));
                    zones.Add(outletZone);
                }
            }
        }
        foreach (var zone in zones.Where(z => z != "UTC"))
        {
            calendar.AddTimeZone(VTimeZone.FromDateTimeZone(zone));
        }
        var text = new CalendarSerializer().SerializeToString(calendar)!;
        return TypedResults.Text(text, "text/calendar; charset=utf-8");
    }

    private static CalendarEvent Event(string uid, string summary, string description, DateTimeOffset utc, string zone, int sequence, bool cancelled)
    {
        var local = EmbargoTimes.In(utc, "", zone);
        var start = zone == "UTC"
            ? new CalDateTime(utc.UtcDateTime, "UTC")
            : new CalDateTime(DateTime.Parse(local.LocalTime, System.Globalization.CultureInfo.InvariantCulture), zone);
        return new CalendarEvent
        {
            Uid = uid,
            Summary = summary,
            Description = description,
            DtStart = start,
            Duration = Duration.FromMinutes(15),
            Sequence = sequence,
            Status = cancelled ? EventStatus.Cancelled : EventStatus.Confirmed,
        };
    }
}
