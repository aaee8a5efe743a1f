using System.Security.Claims;
using Consortium.Client;
using Consortium.Server.Identity;
using Marten;
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
/// Writes audit entries (see docs/decisions/0010-audit-sealed-chain.md). Nothing edits or deletes them; the
/// <see cref="AuditSealer"/> later links each into the hash chain.
/// </summary>
/// <remarks>
/// An entry is one insert in the transaction of the action it records, numbered from a PostgreSQL sequence: no lock,
/// no read of the chain's head, nothing that makes one request wait for another. So an entry commits exactly when its
/// action does, and concurrent actions do not queue behind each other. Chaining is the sealer's job: it takes committed
/// entries in the order it finds them, gives each the next position and its hash, and is the only writer of the chain
/// (one per database, by a session advisory lock). Until then (milliseconds) an entry is unsealed, which the verifier
/// reports when it lasts.
/// </remarks>
public sealed class AuditLog(IDocumentStore store, TimeProvider clock, AuditSealer sealer) : IDisposable
{
    private const int MaxDetailLength = 1000;
    private const int MaxUserAgentLength = 512;
    private const int MaxNameLength = 256;

    // Numbers are drawn from the sequence a block at a time, not one round trip per entry (decision 0021).
    private const int NumbersPerDraw = 128;
    private readonly string drawNumbersSql =
        $"select nextval('{store.Options.DatabaseSchemaName}.{AuditStorage.EntryNumberSequence}') from generate_series(1, {NumbersPerDraw})";
    private readonly Queue<long> numbers = new(NumbersPerDraw);
    private readonly SemaphoreSlim drawing = new(1, 1);

    public void Dispose() => drawing.Dispose();

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
        var entry = await AddEntryAsync(session, actor, origin, subject, cancellationToken);
        await session.SaveChangesAsync(cancellationToken);
        sealer.Wake();
        return entry;
    }

    /// <summary>
    /// Commits <paramref name="session"/>'s pending writes together with their entry, in one transaction: a write
    /// never commits without its entry, and no entry describes a write that rolled back.
    /// </summary>
    public async Task<AuditEntryView> SaveChangesWithEntryAsync(IDocumentSession session, HttpContext http, AuditSubject subject, CancellationToken cancellationToken)
    {
        var entry = await AddEntryAsync(session, ActorOf(http), AuditOrigin.From(http), subject, cancellationToken);
        await session.SaveChangesAsync(cancellationToken);
        sealer.Wake();
        return entry;
    }

    /// <summary>
    /// Writes the entry for a write inside <paramref name="transaction"/>, which the caller commits (or rolls back,
    /// taking the entry with it). Holds nothing that others wait for, so it may come at any point before that commit.
    /// </summary>
    public Task<AuditEntryView> AppendWithinAsync(NpgsqlTransaction transaction, HttpContext http, AuditSubject subject, CancellationToken cancellationToken) =>
        AppendWithinAsync(transaction, ActorOf(http), AuditOrigin.From(http), subject, cancellationToken);

    /// <summary><see cref="AppendWithinAsync(NpgsqlTransaction, HttpContext, AuditSubject, CancellationToken)"/> with the actor named explicitly.</summary>
    public async Task<AuditEntryView> AppendWithinAsync(NpgsqlTransaction transaction, AuditActor actor, AuditOrigin origin, AuditSubject subject, CancellationToken cancellationToken)
    {
        // A second session in the caller's transaction, so the entry is stored like any document; it writes without
        // committing, and the caller's commit makes both durable. The sealer finds it after that commit.
        await using var session = store.LightweightSession(Marten.Services.SessionOptions.ForTransaction(transaction, shouldAutoCommit: false));
        var entry = await AddEntryAsync(session, actor, origin, subject, cancellationToken);
        await session.SaveChangesAsync(cancellationToken);
        return entry;
    }

    /// <summary>As <see cref="SaveChangesWithEntryAsync(IDocumentSession, HttpContext, AuditSubject, CancellationToken)"/>, for work done on someone's behalf after their request ended (a background import).</summary>
    public async Task<AuditEntryView> SaveChangesWithEntryAsync(IDocumentSession session, AuditActor actor, AuditOrigin origin, AuditSubject subject, CancellationToken cancellationToken)
    {
        var entry = await AddEntryAsync(session, actor, origin, subject, cancellationToken);
        await session.SaveChangesAsync(cancellationToken);
        sealer.Wake();
        return entry;
    }

    private static AuditActor ActorOf(HttpContext http) => AuditActor.From(ConsortiumUser.From(http.User));

    // PostgreSQL keeps microseconds: an instant it can store exactly filters (the timestamptz column) exactly as it
    // hashes (the ticks in the JSON).
    private static DateTimeOffset InMicroseconds(DateTimeOffset now) =>
        new(now.UtcTicks - now.UtcTicks % TimeSpan.TicksPerMicrosecond, TimeSpan.Zero);

    /// <summary>Numbers a new, unsealed entry and adds its insert to <paramref name="session"/>'s unit of work.</summary>
    private async Task<AuditEntryView> AddEntryAsync(IDocumentSession session, AuditActor actor, AuditOrigin origin, AuditSubject subject, CancellationToken cancellationToken)
    {
        var number = await NextNumberAsync(cancellationToken);
        var entry = new AuditEntryView(
            number,
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
            null,
            null);
        // Insert, never upsert: nothing may overwrite an entry. The pending marker commits (or not) with it.
        session.Insert(AuditEntry.From(entry));
        session.Insert(new AuditPending(number));
        return entry;
    }

    /// <summary>
    /// The next entry number. A sequence never hands out a number twice and never waits for another transaction; this
    /// server takes them a block at a time and hands them out in order, so an entry costs no round trip of its own
    /// (it was one of the six of every annotation). Numbers left unused when the server stops are gaps, like those of
    /// a rollback, which the chain does not care about: it is built from positions. With several servers, numbers
    /// interleave between them and follow time only roughly; nothing orders by them but the sealer's batches.
    /// </summary>
    private async ValueTask<long> NextNumberAsync(CancellationToken cancellationToken)
    {
        lock (numbers)
        {
            if (numbers.TryDequeue(out var number))
            {
                return number;
            }
        }
        await drawing.WaitAsync(cancellationToken);
        try
        {
            lock (numbers)
            {
                if (numbers.TryDequeue(out var drawnMeanwhile))
                {
                    return drawnMeanwhile;
                }
            }
            await using var session = store.QuerySession();
            var drawn = await session.AdvancedSql.QueryAsync<long>(drawNumbersSql, cancellationToken);
            lock (numbers)
            {
                foreach (var number in drawn.Order())
                {
                    numbers.Enqueue(number);
                }
                return numbers.Dequeue();
            }
        }
        finally
        {
            drawing.Release();
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
