using System.Text;
using Consortium.Client;
using Consortium.Server.Access;
using Consortium.Server.Annotations;
using Consortium.Server.Hosting;
using Consortium.Server.Identity;
using Consortium.Server.Storage;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Npgsql;
using NpgsqlTypes;

namespace Consortium.Server.Notifications;

public static class InboxEndpoints
{
    public static IEndpointRouteBuilder MapInbox(this IEndpointRouteBuilder app)
    {
        var inbox = app.MapGroup("/api/inbox").WithTags("Inbox").RequireAuthorization();
        inbox.MapGet("/", ListInbox);
        inbox.MapPost("/{notificationId:guid}/read", MarkRead);
        inbox.MapGet("/digest", RenderDigest);
        inbox.MapGet("/preference", GetPreference);
        inbox.MapPut("/preference", SetPreference);
        var follow = app.MapGroup("/api/records/{recordId:guid}/follow").WithTags("Inbox").RequireAuthorization();
        follow.MapGet("/", GetFollowState);
        follow.MapPut("/", FollowRecord);
        follow.MapDelete("/", UnfollowRecord);
        return app;
    }

    /// <summary>
    /// The caller's entries, newest first, keeping only those whose annotation they may still read: a membership
    /// that ended or a record restricted since takes its entries out of the inbox with it.
    /// </summary>
    private static async Task<List<NotificationView>> VisibleAsync(ConsortiumUser user, IQuerySession session, AccessPolicy access, StorageSettings storage, bool unreadOnly, DateTimeOffset? since, CancellationToken cancellationToken)
    {
        var query = session.Query<Notification>().Where(n => n.UserId == user.UserId);
        if (unreadOnly)
        {
            query = query.Where(n => !n.Read);
        }
        if (since is { } from)
        {
            query = query.Where(n => n.At >= from);
        }
        var entries = await query.OrderByDescending(n => n.At).Take(200).ToListAsync(cancellationToken);
        var annotations = (await session.LoadManyAsync<Annotation>(cancellationToken, entries.Select(n => n.AnnotationId).Distinct().ToArray())).ToDictionary(a => a.Id);
        var records = new Dictionary<Guid, bool>();
        var visible = new List<Notification>(entries.Count);
        foreach (var entry in entries)
        {
            if (!annotations.TryGetValue(entry.AnnotationId, out var annotation) || !annotation.IsVisibleTo(user))
            {
                continue;
            }
            if (!records.TryGetValue(entry.RecordId, out var mayRead))
            {
                records[entry.RecordId] = mayRead = await access.RecordAsync(user, entry.RecordId, cancellationToken) is not null;
            }
            if (mayRead)
            {
                visible.Add(entry);
            }
        }
        var sequences = await SequencesAsync(storage, visible.Where(e => e.Version > 0).Select(e => (e.AnnotationId, e.Version)).Distinct().ToList(), cancellationToken);
        return visible.ConvertAll(e => (sequences.TryGetValue((e.AnnotationId, e.Version), out var sequence) ? e with { Sequence = sequence } : e).ToView());
    }

    /// <summary>
    /// The global sequence number of each (annotation, stream version) event: an entry is stored before Marten numbers
    /// the event it is about, so a listing carries the same number the live push did.
    /// </summary>
    private static async Task<Dictionary<(Guid, long), long>> SequencesAsync(StorageSettings storage, List<(Guid AnnotationId, long Version)> events, CancellationToken cancellationToken)
    {
        var found = new Dictionary<(Guid, long), long>();
        if (events.Count == 0)
        {
            return found;
        }
        await using var connection = new NpgsqlConnection(storage.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            $"select e.stream_id, e.version, e.seq_id from unnest($1, $2) as wanted(stream_id, version) join {storage.Schema}.mt_events e on e.stream_id = wanted.stream_id and e.version = wanted.version",
            connection)
        {
            Parameters =
            {
                new() { Value = events.Select(e => e.AnnotationId).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid },
                new() { Value = events.Select(e => e.Version).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint },
            },
        };
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            found[(reader.GetGuid(0), reader.GetInt64(1))] = reader.GetInt64(2);
        }
        return found;
    }

    private static async Task<Ok<List<NotificationView>>> ListInbox(bool? unread, HttpContext http, IQuerySession session, AccessPolicy access, StorageSettings storage, CancellationToken cancellationToken) =>
        TypedResults.Ok(await VisibleAsync(ConsortiumUser.From(http.User), session, access, storage, unread ?? false, null, cancellationToken));

    private static async Task<Results<NoContent, NotFound<ProblemDetails>>> MarkRead(Guid notificationId, HttpContext http, IDocumentSession session, CancellationToken cancellationToken)
    {
        var user = ConsortiumUser.From(http.User);
        var entry = await session.LoadAsync<Notification>(notificationId, cancellationToken);
        if (entry is null || entry.UserId != user.UserId)
        {
            return Problems.NotFound("notification");
        }
        session.Store(entry with { Read = true });
        await session.SaveChangesAsync(cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<Ok<DigestPreference>> GetPreference(HttpContext http, IQuerySession session, CancellationToken cancellationToken)
    {
        var setting = await session.LoadAsync<DigestSetting>(ConsortiumUser.From(http.User).UserId, cancellationToken);
        return TypedResults.Ok(new DigestPreference(setting?.DailyDigest ?? false, setting?.HourUtc ?? 7));
    }

    private static async Task<Results<Ok<DigestPreference>, ValidationProblem>> SetPreference(DigestPreference preference, HttpContext http, IDocumentSession session, CancellationToken cancellationToken)
    {
        if (preference.HourUtc is < 0 or > 23)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["hourUtc"] = ["An hour of the day, 0 to 23 (UTC)."] });
        }
        session.Store(new DigestSetting(ConsortiumUser.From(http.User).UserId, preference.DailyDigest, preference.HourUtc));
        await session.SaveChangesAsync(cancellationToken);
        return TypedResults.Ok(preference);
    }

    /// <summary>
    /// The daily digest as plain text: the last 24 hours of the caller's inbox, grouped by reason. There is no mail
    /// server here; a mailer (or the user) fetches this at the preferred hour.
    /// </summary>
    private static async Task<ContentHttpResult> RenderDigest(HttpContext http, IQuerySession session, AccessPolicy access, StorageSettings storage, TimeProvider clock, CancellationToken cancellationToken)
    {
        var user = ConsortiumUser.From(http.User);
        var entries = await VisibleAsync(user, session, access, storage, false, clock.GetUtcNow().AddDays(-1), cancellationToken);
        var text = new StringBuilder($"Consortium digest for {user.DisplayName}, {clock.GetUtcNow():yyyy-MM-dd HH:mm} UTC\n");
        if (entries.Count == 0)
        {
            text.Append("\nNothing new in the last 24 hours.\n");
        }
        foreach (var group in entries.GroupBy(e => e.Reason))
        {
            text.Append('\n').Append(group.Key switch
            {
                NotificationReasons.Mention => "Mentions",
                NotificationReasons.Reply => "Replies",
                NotificationReasons.Assignment => "Assignments",
                _ => "Verification changes",
            }).Append(" (").Append(group.Count()).Append(")\n");
            foreach (var entry in group)
            {
                text.Append("- ").Append(entry.At.UtcDateTime.ToString("HH:mm", System.Globalization.CultureInfo.InvariantCulture)).Append(' ')
                    .Append(entry.Summary).Append(" (record ").Append(entry.RecordId).Append(")\n");
            }
        }
        return TypedResults.Text(text.ToString(), "text/plain; charset=utf-8");
    }

    /// <summary>Whether the caller follows the record (annotating it follows it too), so a page can show the state.</summary>
    private static async Task<Results<Ok<FollowState>, NotFound<ProblemDetails>>> GetFollowState(Guid recordId, HttpContext http, AccessPolicy access, IQuerySession session, CancellationToken cancellationToken)
    {
        var user = ConsortiumUser.From(http.User);
        if (await access.RecordAsync(user, recordId, cancellationToken) is null)
        {
            return Problems.NotFound("record");
        }
        var follow = await session.LoadAsync<RecordFollow>(RecordFollow.IdOf(user.UserId, recordId), cancellationToken);
        return TypedResults.Ok(new FollowState(follow is not null));
    }

    private static async Task<Results<NoContent, NotFound<ProblemDetails>>> FollowRecord(Guid recordId, HttpContext http, AccessPolicy access, IDocumentSession session, TimeProvider clock, CancellationToken cancellationToken)
    {
        var user = ConsortiumUser.From(http.User);
        if (await access.RecordAsync(user, recordId, cancellationToken) is null)
        {
            return Problems.NotFound("record");
        }
        session.Store(new RecordFollow(RecordFollow.IdOf(user.UserId, recordId), user.UserId, recordId, clock.GetUtcNow()));
        await session.SaveChangesAsync(cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<Results<NoContent, NotFound<ProblemDetails>>> UnfollowRecord(Guid recordId, HttpContext http, AccessPolicy access, IDocumentSession session, CancellationToken cancellationToken)
    {
        var user = ConsortiumUser.From(http.User);
        if (await access.RecordAsync(user, recordId, cancellationToken) is null)
        {
            return Problems.NotFound("record");
        }
        session.Delete<RecordFollow>(RecordFollow.IdOf(user.UserId, recordId));
        await session.SaveChangesAsync(cancellationToken);
        return TypedResults.NoContent();
    }
}
