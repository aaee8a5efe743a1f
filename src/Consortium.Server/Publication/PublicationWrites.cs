using System.Globalization;
using Consortium.Client;
using Consortium.Server.Audit;
using Consortium.Server.Access;
using Marten;
using Microsoft.AspNetCore.Mvc;

namespace Consortium.Server.Publication;

/// <summary>An entry of a person's publication inbox, stored with the change it is about (so it commits with it or not at all).</summary>
public sealed record PublicationNotice(Guid Id, string UserId, string Kind, Guid InvestigationId, Guid WaveId, Guid? StoryId, string Summary, DateTimeOffset At,
    bool Read = false, Guid? MoveId = null, string? OutletId = null)
{
    public PublicationNoticeView ToView(bool needsAcknowledgement = false) => new(Id, Kind, InvestigationId, WaveId, StoryId, Summary, At, Read, needsAcknowledgement);
}

/// <summary>
/// The shared path of every write on the desk: the expected version (<c>If-Match</c> → 412 when stale; a writer that
/// committed meanwhile → 409), the append, the inbox entries and the audit entry in one transaction, and the live
/// announcement after the commit.
/// </summary>
public sealed class PublicationWrites(IDocumentSession session, AuditLog audit, PublicationAnnouncements announcements, LiftEmbargoes lifter)
{
    private readonly List<PublicationNotice> notices = [];

    public IDocumentSession Session => session;

    public static string ETag(long version) => string.Create(CultureInfo.InvariantCulture, $"\"{version}\"");

    /// <summary>Null when <c>If-Match</c> is absent or names <paramref name="current"/>; else the 412 problem.</summary>
    public static IResult? CheckIfMatch(HttpContext http, long current)
    {
        var header = http.Request.Headers.IfMatch.ToString().Trim();
        if (header.Length == 0 || header == "*")
        {
            return null;
        }
        if (header.StartsWith("W/", StringComparison.Ordinal))
        {
            header = header[2..];
        }
        if (long.TryParse(header.Trim('"'), NumberStyles.None, CultureInfo.InvariantCulture, out var expected) && expected == current)
        {
            return null;
        }
        return TypedResults.Problem(new ProblemDetails
        {
            Type = "https://tools.ietf.org/html/rfc9110#section-15.5.13",
            Title = "It changed meanwhile",
            Status = StatusCodes.Status412PreconditionFailed,
            Detail = $"It is at version {current} now, not {header}; nothing was changed. Read it again and apply your change to the current state.",
        });
    }

    /// <summary>Tells each current member of <paramref name="outletIds"/> (and coordinators when asked) in their inbox, with the change.</summary>
    public void Notify(Investigation investigation, IEnumerable<string> outletIds, bool withCoordinators, string kind, Guid waveId, Guid? storyId, string summary, DateTimeOffset now,
        Guid? moveId = null, string? exceptUserId = null)
    {
        foreach (var person in PublicationAccess.Entitled(investigation, outletIds, withCoordinators, now).Where(p => p.UserId != exceptUserId))
        {
            var notice = new PublicationNotice(Guid.CreateVersion7(), person.UserId, kind, investigation.Id, waveId, storyId, summary, now, MoveId: moveId, OutletId: person.OutletId);
            session.Store(notice);
            notices.Add(notice);
        }
    }

    /// <summary>Starts a new stream and commits it with its audit entry.</summary>
    public async Task StartAsync<T>(HttpContext http, Guid id, object created, AuditSubject subject, string kind, CancellationToken cancellationToken) where T : class
    {
        session.Events.StartStream<T>(id, created);
        await audit.SaveChangesWithEntryAsync(session, http, subject, cancellationToken);
        AfterCommit(kind, id);
    }

    /// <summary>
    /// Appends to an existing stream expecting it at <paramref name="expectedVersion"/>; null when committed, else the
    /// 409 problem (someone else's change committed first: theirs stands). <paramref name="http"/> null: the server acts (the lift).
    /// </summary>
    public async Task<IResult?> AppendAsync<T>(HttpContext? http, Guid id, long expectedVersion, IReadOnlyList<object> events, AuditSubject subject, string kind,
        CancellationToken cancellationToken) where T : class
    {
        try
        {
            var stream = await session.Events.FetchForWriting<T>(id, expectedVersion, cancellationToken);
            stream.AppendMany(events);
            if (http is null)
            {
                await audit.SaveChangesWithEntryAsync(session, SystemActor, SystemOrigin, subject, cancellationToken);
            }
            else
            {
                await audit.SaveChangesWithEntryAsync(session, http, subject, cancellationToken);
            }
        }
        catch (Exception e) when (IsConcurrencyFailure(e))
        {
            return TypedResults.Conflict(new ProblemDetails
            {
                Type = "https://tools.ietf.org/html/rfc9110#section-15.5.10",
                Title = "It changed meanwhile",
                Status = StatusCodes.Status409Conflict,
                Detail = "Another change committed first; nothing of yours was stored. Read it again and retry.",
            });
        }
        AfterCommit(kind, id);
        return null;
    }

    public static readonly AuditActor SystemActor = new("system:publication", "Embargo desk", null);
    public static readonly AuditOrigin SystemOrigin = new("server", null, null);

    /// <summary>Announces another object a committed change touched (a wave whose participants changed with a story).</summary>
    public void AlsoAnnounce(string kind, Guid id) => announcements.Announce(new PublicationAnnouncement(kind, id));

    private void AfterCommit(string kind, Guid id)
    {
        announcements.Announce(new PublicationAnnouncement(kind, id));
        if (kind == "wave")
        {
            // An embargo set or moved may now be the next to lift.
            lifter.Wake();
        }
        foreach (var notice in notices)
        {
            announcements.Announce(new PublicationAnnouncement("notice", notice.Id, notice));
        }
        notices.Clear();
    }

    public static bool IsConcurrencyFailure(Exception e) =>
        e is JasperFx.ConcurrencyException or JasperFx.Events.EventStreamUnexpectedMaxEventIdException
        || (e.InnerException is { } inner && IsConcurrencyFailure(inner));
}
