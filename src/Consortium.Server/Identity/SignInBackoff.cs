using System.Security.Cryptography;
using System.Text;
using Consortium.Server.Storage;
using Marten;
using Npgsql;
using NpgsqlTypes;

namespace Consortium.Server.Identity;

/// <summary>
/// Wrong passwords slow down the address they come from, for that account, instead of locking the account: a lockout
/// lets anyone who knows a journalist's email keep them out of their own account on deadline. After
/// <see cref="FreeFailures"/> failures, each further attempt from that address for that email waits twice as long as the
/// one before (2 s, 4 s, ... up to 15 minutes); a success clears it. Keyed by the email as typed, so unknown and known
/// accounts slow down alike. Across all addresses (a botnet), the email alone slows down too, more gently: after
/// <see cref="FreeAccountFailures"/> failures each attempt waits up to <see cref="LongestForAccount"/>, short enough that
/// the journalist still gets in on deadline. The rate limits (RateLimits) and the mandatory second factor, which does
/// lock after 5 failures, stand behind it.
/// </summary>
/// <remarks>
/// <para>
/// Kept in PostgreSQL, not in each node's memory: behind a load balancer without sticky sessions, a guesser's attempts
/// spread over every node, and a per-node count would give them as many free tries as there are nodes (decision 0029).
/// Counts survive a restart for the same reason.
/// </para>
/// <para>
/// An attempt is counted as a failure when it begins (<see cref="BeginAsync"/>) and the count is cleared when it
/// succeeds: a burst of guesses sent in parallel, all in flight before any has failed, is counted as it arrives, so no
/// more than <see cref="FreeFailures"/> + 1 of them get their password checked. Attempts for one email are serialised
/// by a transaction-scoped advisory lock, so two nodes cannot both let the attempt through that should have waited.
/// </para>
/// <para>
/// The ceiling on password posts from one address (<c>RateLimits:SignInPerAddressPerMinute</c>, 300), which is what
/// stops one password sprayed over many emails, is counted here too, across nodes, in fixed minutes: the per-node
/// rate limiter (RateLimits) still applies the same figure in sliding windows, and to second-factor posts as well.
/// </para>
/// <para>
/// Rows hold SHA-256 digests of the email and address, not the values: the table says how often someone failed, not who
/// or from where (that is the audit log's, which has its own protection). A row not touched for
/// <see cref="Forget"/> starts over, as a failure long ago says nothing about today's attempt.
/// </para>
/// </remarks>
public sealed class SignInBackoff(StorageSettings storage, TimeProvider clock, IConfiguration configuration)
{
    private const int FreeFailures = 3;
    private static readonly TimeSpan Longest = TimeSpan.FromMinutes(15);
    private const int FreeAccountFailures = 20;
    private static readonly TimeSpan LongestForAccount = TimeSpan.FromMinutes(1);
    public static readonly TimeSpan Forget = TimeSpan.FromDays(1);

    public string Table { get; } = $"\"{storage.Schema.Replace("\"", "\"\"", StringComparison.Ordinal)}\".sign_in_backoff";

    /// <summary>Password posts per address in the current minute, across nodes.</summary>
    public string AddressTable { get; } = $"\"{storage.Schema.Replace("\"", "\"\"", StringComparison.Ordinal)}\".sign_in_address_minute";

    private readonly int perAddressPerMinute = configuration.GetValue("RateLimits:SignInPerAddressPerMinute", 300);

    private static string Digest(string key) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    private static string Normalised(string email) => email.Trim().ToUpperInvariant();

    private static string AddressKey(string email, string? address) => Digest($"{Normalised(email)} {address}");

    // No address is ever "*": the account-wide entry cannot collide with an address's.
    private static string AccountKey(string email) => Digest($"{Normalised(email)} *");

    /// <summary>
    /// Begins a sign-in attempt with <paramref name="email"/> from <paramref name="address"/>: null when it may go
    /// ahead (it is counted as a failure until <see cref="SucceededAsync"/> clears it), else how long to wait first. An
    /// attempt told to wait is not counted as a failure; every attempt counts towards its address's minute.
    /// </summary>
    public async Task<TimeSpan?> BeginAsync(string email, string? address, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var byAddress = AddressKey(email, address);
        var byAccount = AccountKey(email);
        await using var connection = new NpgsqlConnection(storage.ConnectionString);
        await connection.OpenAsync(cancellationToken);

        // The address's minute first, outside the email's lock: a spray over many emails takes no lock at all for this.
        var minute = new DateTimeOffset(now.UtcTicks - now.UtcTicks % TimeSpan.TicksPerMinute, TimeSpan.Zero);
        await using (var tally = new NpgsqlCommand(
            $"""
            insert into {AddressTable} as m (key, minute, attempts) values ($1, $2, 1)
            on conflict (key) do update set attempts = case when m.minute = excluded.minute then m.attempts + 1 else 1 end, minute = excluded.minute
            returning attempts
            """, connection))
        {
            tally.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Digest($"address {address}") });
            tally.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = minute });
            if ((int)(await tally.ExecuteScalarAsync(cancellationToken))! > perAddressPerMinute)
            {
                return minute.AddMinutes(1) - now;
            }
        }

        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        var counts = new Dictionary<string, (int Failures, DateTimeOffset NotBefore)>(StringComparer.Ordinal);
        await using (var read = new NpgsqlBatch(connection, transaction))
        {
            // The account key's lock covers both rows, whether they exist yet or not.
            read.BatchCommands.Add(new NpgsqlBatchCommand("select pg_advisory_xact_lock(hashtextextended($1, 0))")
            {
                Parameters = { new NpgsqlParameter<string> { TypedValue = byAccount } },
            });
            read.BatchCommands.Add(new NpgsqlBatchCommand($"select key, failures, not_before from {Table} where key = any($1) and updated_at > $2")
            {
                Parameters =
                {
                    new NpgsqlParameter<string[]> { TypedValue = [byAddress, byAccount] },
                    new NpgsqlParameter<DateTimeOffset> { TypedValue = now - Forget },
                },
            });
            await using var reader = await read.ExecuteReaderAsync(cancellationToken);
            await reader.NextResultAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                counts[reader.GetString(0)] = (reader.GetInt32(1), reader.GetFieldValue<DateTimeOffset>(2));
            }
        }

        // Read again under the lock: an attempt that waited for it must not compare a time from before the wait with
        // the one an attempt holding the lock meanwhile stored (a free attempt would then look early and be refused).
        now = clock.GetUtcNow();
        var notBefore = counts.Values.Select(c => c.NotBefore).DefaultIfEmpty(now).Max();
        if (notBefore > now)
        {
            await transaction.RollbackAsync(cancellationToken);
            return notBefore - now;
        }

        var addressFailures = counts.GetValueOrDefault(byAddress).Failures + 1;
        var accountFailures = counts.GetValueOrDefault(byAccount).Failures + 1;
        await using (var count = new NpgsqlCommand(
            $"""
            insert into {Table} (key, failures, not_before, updated_at)
            select k, f, n, $4 from unnest($1::text[], $2::int[], $3::timestamptz[]) as u(k, f, n)
            on conflict (key) do update set failures = excluded.failures, not_before = excluded.not_before, updated_at = excluded.updated_at
            """, connection, transaction))
        {
            count.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [byAddress, byAccount] });
            count.Parameters.Add(new NpgsqlParameter<int[]> { TypedValue = [addressFailures, accountFailures] });
            count.Parameters.Add(new NpgsqlParameter<DateTimeOffset[]>
            {
                TypedValue = [now + Wait(addressFailures, FreeFailures, Longest), now + Wait(accountFailures, FreeAccountFailures, LongestForAccount)],
            });
            count.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = now, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            await count.ExecuteNonQueryAsync(cancellationToken);
        }
        // Rows of forgotten attempts go as new ones come, so a spray of guesses over many addresses does not pile up
        // until the next restart (the index on updated_at makes this a look at the oldest rows).
        await using (var forget = new NpgsqlBatch(connection, transaction))
        {
            forget.BatchCommands.Add(new NpgsqlBatchCommand($"delete from {Table} where updated_at < $1") { Parameters = { new NpgsqlParameter<DateTimeOffset> { TypedValue = now - Forget } } });
            forget.BatchCommands.Add(new NpgsqlBatchCommand($"delete from {AddressTable} where minute < $1") { Parameters = { new NpgsqlParameter<DateTimeOffset> { TypedValue = now - Forget } } });
            await forget.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return null;
    }

    /// <summary>The wait after the <paramref name="failures"/>th failure: none while free, then doubling from 2 s up to <paramref name="longest"/>.</summary>
    private static TimeSpan Wait(int failures, int freeFailures, TimeSpan longest) =>
        failures <= freeFailures ? TimeSpan.Zero : TimeSpan.FromSeconds(Math.Min(longest.TotalSeconds, Math.Pow(2, failures - freeFailures)));

    /// <summary>The attempt begun with <see cref="BeginAsync"/> succeeded: both counts start over.</summary>
    public async Task SucceededAsync(string email, string? address, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(storage.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var clear = new NpgsqlCommand($"delete from {Table} where key = any($1)", connection);
        clear.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [AddressKey(email, address), AccountKey(email)] });
        await clear.ExecuteNonQueryAsync(cancellationToken);
    }
}

/// <summary>Creates the backoff table at start-up, idempotently.</summary>
public sealed class SignInBackoffSchema(StorageSettings storage, SignInBackoff backoff, IDocumentStore store) : IHostedService
{
    // "SIBo" in ASCII: servers starting at once create the table one after the other.
    private const long SchemaLockKey = 0x5349426f;

    public Task StartAsync(CancellationToken cancellationToken) => SchemaSetup.ApplyAsync(store, storage, SchemaLockKey,
        [
            $"create table if not exists {backoff.Table} (key text primary key, failures int not null, not_before timestamptz not null, updated_at timestamptz not null)",
            $"create index if not exists ix_sign_in_backoff_updated_at on {backoff.Table} (updated_at)",
            $"create table if not exists {backoff.AddressTable} (key text primary key, minute timestamptz not null, attempts int not null)",
            $"create index if not exists ix_sign_in_address_minute_minute on {backoff.AddressTable} (minute)",
        ], cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
