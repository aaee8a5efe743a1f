using System.Security.Cryptography;
using System.Text;
using Consortium.Client;
using Consortium.Server.Audit;
using Consortium.Server.Identity;
using Consortium.Server.Access;
using Ical.Net;
using Ical.Net.CalendarComponents;
using Ical.Net.DataTypes;
using Ical.Net.Serialization;
using Marten;
using Microsoft.AspNetCore.Identity;

namespace Consortium.Server.Publication;

/// <summary>A person's calendar feed: only the SHA-256 of its secret token is kept. Id: the user id.</summary>
/// <remarks>The security stamp at creation: a revocation, a disable or a password change renews it and so ends the URL.</remarks>
public sealed record CalendarFeed(string Id, string TokenHash, string OutletId, string DisplayName, DateTimeOffset CreatedAt, string? SecurityStamp = null);

/// <summary>
/// The personal iCalendar feed (RFC 5545) at a secret URL: the embargoes, reply deadlines and sign-off deadlines the
/// person may see now (the same rules as the API, checked at every read), each in the zone it belongs to with its
/// VTIMEZONE, and SEQUENCE counting an embargo's moves so desk calendars replace the old instant.
/// </summary>
public static class PublicationCalendar
{
    public static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    /// <summary>Makes a new secret URL; the previous one stops working at once.</summary>
    // The URL is a lasting credential to the desk's schedule: minting one needs a recent sign-in and is audited.
    public static async Task<IResult> Regenerate(HttpContext http, IDocumentSession session, PublicationClock clock, RecentSignIn recent, UserManager<ConsortiumAccount> users,
        AuditLog audit, CancellationToken cancellationToken)
    {
        if (recent.Require(http) is { } signIn)
        {
            return signIn;
        }
        var user = ConsortiumUser.From(http.User);
        if (await users.FindByIdAsync(user.UserId) is not { Disabled: false } account)
        {
            return Hosting.Problems.Forbidden("This account cannot have a calendar.");
        }
        var token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        var now = clock.Now;
        session.Store(new CalendarFeed(user.UserId, Hash(token), account.OutletId, account.DisplayName, now, account.SecurityStamp));
        await audit.SaveChangesWithEntryAsync(session, http, new AuditSubject("publication.calendar-regenerated", null, "calendar", user.UserId), cancellationToken);
        return TypedResults.Ok(new CalendarUrlView($"{http.Request.Scheme}://{http.Request.Host}/api/publication/calendar/{token}.ics", now));
    }

    public static async Task<IResult> Revoke(HttpContext http, IDocumentSession session, AuditLog audit, CancellationToken cancellationToken)
    {
        var userId = ConsortiumUser.From(http.User).UserId;
        session.Delete<CalendarFeed>(userId);
        await audit.SaveChangesWithEntryAsync(session, http, new AuditSubject("publication.calendar-revoked", null, "calendar", userId), cancellationToken);
        return TypedResults.NoContent();
    }

    public static async Task<IResult> Feed(string token, HttpContext http, IQuerySession session, AccessPolicy policy, UserManager<ConsortiumAccount> users,
        CancellationToken cancellationToken)
    {
        // Nothing of a person's schedule may sit in a shared or browser cache.
        http.Response.Headers.CacheControl = "private, no-store";
        var hash = Hash(token);
        var feeds = await session.Query<CalendarFeed>().Where(c => c.TokenHash == hash).ToListAsync(cancellationToken);
        var feed = feeds.Count > 0 ? feeds[0] : null;
        // The account as of this read (Identity does not know about calendars): disabled, revoked (new stamp) or gone ends the URL.
        var account = feed is null ? null : await users.FindByIdAsync(feed.Id);
        if (feed is null || account is null || account.Disabled || (feed.SecurityStamp is not null && feed.SecurityStamp != account.SecurityStamp))
        {
            return Hosting.Problems.NotFound("calendar");
        }
        // Its current outlet, not the one it had when the URL was made.
        var user = new ConsortiumUser(account.Id, account.DisplayName, account.OutletId);
        var outlet = await session.LoadAsync<Outlet>(user.OutletId, cancellationToken);
        var outletZone = EmbargoTimes.FindZone(outlet?.TimeZone)?.Id ?? "UTC";
        var stories = await session.Query<PublicationStory>().Where(s => s.ParticipantOutletIds.Contains(user.OutletId)).ToListAsync(cancellationToken);
        var calendar = new Calendar { ProductId = "-//Consortium//Embargo desk//EN" };
        calendar.AddProperty("X-WR-CALNAME", $"Embargoes: {user.DisplayName}");
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
        var start = zone == "UTC" ? new CalDateTime(utc.UtcDateTime, "UTC") : new CalDateTime(EmbargoTimes.LocalIn(utc, zone), zone);
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
