using System.Security.Claims;
using Consortium.Client;
using Consortium.Server.Identity;
using Marten;
using Marten.Events.Archiving;
using Npgsql;

namespace Consortium.Server.Audit;

/// <summary>Who acted. <see cref="OutletId"/> is null when nobody could be identified (a failed sign-in names whoever it claimed to be).</summary>
public sealed record AuditActor(string UserId, string DisplayName, string? OutletId)
{
    public static AuditActor From(ConsortiumUser user) => new(user.UserId, user.DisplayName, user.OutletId);
}

/// <summary>Where a request came from: the OAuth client (or the web UI), the address and the user agent.</summary>
public sealed record AuditOrigin(string Client, string? IpAddress, string? UserAgent)
{
    public const string ClientIdClaim = "client_id";
    public const string WebClient = "web";

    public static AuditOrigin From(HttpContext http)
    {
        var address = http.Connection.RemoteIpAddress;
        // Kestrel listens dual-stack; an IPv4 caller should read as one.
        if (address is { IsIPv4MappedToIPv6: true })
        {
            address = address.MapToIPv4();
        }
        return new(http.User.FindFirstValue(ClientIdClaim) ?? WebClient, address?.ToString(), http.Request.Headers.UserAgent.ToString() is { Length: > 0 } agent ? agent : null);
    }
}

/// <summary>What was done, to what, in which investigation (null for actions outside any, such as signing in).</summary>
public sealed record AuditSubject(string Action, Guid? InvestigationId, string? TargetType, string? TargetId, string? Detail = null);

/// <summary>
/// Appends entries to the one audit chain (see docs/decisions/0006-audit-hash-chain.md). Nothing edits or deletes them.
/// </summary>
/// <remarks>
/// Appends are serialised by a PostgreSQL advisory transaction lock, taken before the newest entry is read and released
/// by PostgreSQL at commit or rollback. Chosen over an in-process lock because it also holds across processes (a rolling
/// deploy briefly runs two servers) and over optimistic retries because it never makes a request start again. No
/// in-process semaphore sits in front of it on purpose: a write reaches the lock already holding its connection, so a
/// read holding such a semaphore could wait for a pooled connection that only the writers queued behind it could free.
/// The append also names the stream version it expects (index = version), so even a writer that skipped the lock could
/// not commit a second entry with the same index: PostgreSQL's unique (stream, version) key refuses it.
/// </remarks>
public sealed class AuditLog(IDocumentStore store, TimeProvider clock)
{
    // Arbitrary but fixed: "AuditCha" in ASCII. Advisory locks are per database, so each deployment has its own.
    private const long ChainLockKey = 0x4175646974436861;
    private const int MaxDetailLength = 1000;
    private const int MaxUserAgentLength = 512;
    private const int MaxNameLength = 256;

    /// <summary>
    /// Records an action that writes nothing else (a read): the entry is committed when this returns, so the caller
    /// answers only after the entry exists. If recording fails, the caller fails too, and no data leaves unaudited.
    /// </summary>
    public Task<AuditEntryView> RecordAsync(HttpContext http, AuditSubject subject, CancellationToken cancellationToken) =>
        RecordAsync(ActorOf(http), AuditOrigin.From(http), subject, cancellationToken);

    /// <summary>
    /// Records an action whose actor is not (yet) the request's user: sign-in attempts, before anyone is signed in.
    /// <c>AuditOrigin.From(http) with { Client = clientId }</c> names the OAuth client of a token request.
    /// </summary>
    public async Task<AuditEntryView> RecordAsync(AuditActor actor, AuditOrigin origin, AuditSubject subject, CancellationToken cancellationToken)
    {
        await using var session = store.LightweightSession();
        await session.BeginTransactionAsync(cancellationToken);
        return await AppendAsync(session, actor, origin, subject, cancellationToken);
    }

    /// <summary>
    /// Commits <paramref name="session"/>'s pending writes together with their entry, in one transaction: a write
    /// never commits without its entry, and no entry describes a write that rolled back.
    /// </summary>
    /// <remarks>
    /// The entry is appended from a transaction participant, after Marten has written the session's changes and just
    /// before it commits, so the chain lock is held for the append and the commit only: a large import writes its rows
    /// without holding up everyone else's audited reads.
    /// </remarks>
    public async Task<AuditEntryView> SaveChangesWithEntryAsync(IDocumentSession session, HttpContext http, AuditSubject subject, CancellationToken cancellationToken)
    {
        var append = new AppendBeforeCommit(this, ActorOf(http), AuditOrigin.From(http), subject);
        ((ITransactionParticipantRegistrar)session).AddTransactionParticipant(append);
        try
        {
            await session.SaveChangesAsync(cancellationToken);
        }
        finally
        {
            // Participants stay registered for the session's life: a second save of the same session is not this action.
            append.Done = true;
        }
        return append.Appended ?? throw new InvalidOperationException("The session had nothing to save, so nothing was recorded.");
    }

    /// <summary>
    /// Appends the entry for a write inside <paramref name="transaction"/>, which the caller commits (or rolls back,
    /// taking the entry with it). The chain lock is then held until that commit: call this last, just before it.
    /// </summary>
    public async Task<AuditEntryView> AppendWithinAsync(NpgsqlTransaction transaction, HttpContext http, AuditSubject subject, CancellationToken cancellationToken)
    {
        await using var session = SessionWithin(transaction);
        return await AppendAsync(session, ActorOf(http), AuditOrigin.From(http), subject, cancellationToken);
    }

    /// <summary>
    /// As <see cref="AppendWithinAsync(NpgsqlTransaction, HttpContext, AuditSubject, CancellationToken)"/>, for work done
    /// on someone's behalf after their request ended (a background import's last batch).
    /// </summary>
    public async Task<AuditEntryView> AppendWithinAsync(NpgsqlTransaction transaction, AuditActor actor, AuditOrigin origin, AuditSubject subject, CancellationToken cancellationToken)
    {
        await using var session = SessionWithin(transaction);
        return await AppendAsync(session, actor, origin, subject, cancellationToken);
    }

    /// <summary>As <see cref="SaveChangesWithEntryAsync(IDocumentSession, HttpContext, AuditSubject, CancellationToken)"/>, for work done on someone's behalf after their request ended.</summary>
    public async Task<AuditEntryView> SaveChangesWithEntryAsync(IDocumentSession session, AuditActor actor, AuditOrigin origin, AuditSubject subject, CancellationToken cancellationToken)
    {
        var append = new AppendBeforeCommit(this, actor, origin, subject);
        ((ITransactionParticipantRegistrar)session).AddTransactionParticipant(append);
        try
        {
            await session.SaveChangesAsync(cancellationToken);
        }
        finally
        {
            append.Done = true;
        }
        return append.Appended ?? throw new InvalidOperationException("The session had nothing to save, so nothing was recorded.");
    }

    private static AuditActor ActorOf(HttpContext http) => AuditActor.From(ConsortiumUser.From(http.User));

    // A second session in a write's transaction, so the entry goes through Marten's event append and inline projection
    // like any other; it writes without committing, and the write's own commit makes both durable.
    private IDocumentSession SessionWithin(NpgsqlTransaction transaction) =>
        store.LightweightSession(Marten.Services.SessionOptions.ForTransaction(transaction, shouldAutoCommit: false));

    // PostgreSQL keeps microseconds: an instant it can store exactly filters (the read model's timestamptz column)
    // exactly as it hashes (the ticks in the event).
    private static DateTimeOffset InMicroseconds(DateTimeOffset now) =>
        new(now.UtcTicks - now.UtcTicks % TimeSpan.TicksPerMicrosecond, TimeSpan.Zero);

    /// <summary>Takes the chain lock in <paramref name="session"/>'s transaction, then appends after the newest entry and saves.</summary>
    private async Task<AuditEntryView> AppendAsync(IDocumentSession session, AuditActor actor, AuditOrigin origin, AuditSubject subject, CancellationToken cancellationToken)
    {
        await session.AdvancedSql.QueryAsync<int>("select 1 from pg_advisory_xact_lock(?)", cancellationToken, ChainLockKey);
        // A separate statement on purpose: under READ COMMITTED its snapshot is taken after the lock was granted, so it
        // sees the entry the previous holder committed (in one statement with the lock it might not). Under a stricter
        // isolation the snapshot could predate the lock; the expected version below would then refuse the append.
        // The previous hash comes from the events themselves, never from the read model, which is not evidence.
        var newest = await session.Events.QueryAllRawEvents()
            .Where(e => e.StreamId == AuditChain.StreamId && e.MaybeArchived())
            .OrderByDescending(e => e.Version)
            .FirstOrDefaultAsync(cancellationToken);
        var previous = newest?.Data as AuditEntryRecorded;
        var unhashed = new AuditEntryView(
            (previous?.Index ?? 0) + 1,
            InMicroseconds(clock.GetUtcNow()),
            subject.Action,
            Fit(actor.UserId, MaxNameLength)!,
            Fit(actor.DisplayName, MaxNameLength)!,
            Fit(actor.OutletId, MaxNameLength),
            subject.InvestigationId,
            subject.TargetType,
            Fit(subject.TargetId, MaxNameLength),
            Fit(subject.Detail, MaxDetailLength),
            Fit(origin.Client, MaxNameLength)!,
            origin.IpAddress,
            Fit(origin.UserAgent, MaxUserAgentLength),
            previous?.Hash ?? AuditChain.GenesisHash,
            "");
        var entry = unhashed with { Hash = AuditChain.ComputeHash(unhashed) };
        session.Events.Append(AuditChain.StreamId, entry.Index, AuditEntryRecorded.From(entry));
        await session.SaveChangesAsync(cancellationToken);
        return entry;
    }

    /// <summary>
    /// Runs inside a write's transaction after its changes are written and before it commits. Marten may call it again
    /// on a fresh transaction when a commit is retried; each call appends afresh (the earlier transaction rolled back).
    /// </summary>
    private sealed class AppendBeforeCommit(AuditLog log, AuditActor actor, AuditOrigin origin, AuditSubject subject) : ITransactionParticipant
    {
        public bool Done { get; set; }

        public AuditEntryView? Appended { get; private set; }

        public async Task BeforeCommitAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken token)
        {
            if (Done)
            {
                return;
            }
            await using var session = log.SessionWithin(transaction);
            Appended = await log.AppendAsync(session, actor, origin, subject, token);
        }
    }

    /// <summary>
    /// Keeps caller-supplied text (queries, user agents) short, and storable: PostgreSQL's jsonb refuses U+0000 and
    /// unpaired surrogates, and a request must not be able to make its own audit entry unwritable.
    /// </summary>
    private static string? Fit(string? text, int maxLength)
    {
        if (text is null)
        {
            return null;
        }
        var chars = new List<char>(Math.Min(text.Length, maxLength));
        for (var i = 0; i < text.Length && chars.Count < maxLength; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                if (chars.Count + 2 > maxLength)
                {
                    break;
                }
                chars.Add(c);
                chars.Add(text[++i]);
            }
            else
            {
                chars.Add(c == '\0' || char.IsSurrogate(c) ? '\uFFFD' : c);
            }
        }
        return new string(chars.ToArray());
    }
}

public static class AuditRegistration
{
    /// <summary>The audit log service. Its events and read model are registered with Marten by <see cref="AuditStorage.RegisterAuditEvents"/>.</summary>
    public static WebApplicationBuilder AddConsortiumAudit(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<AuditLog>();
        return builder;
    }
}
