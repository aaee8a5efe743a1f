using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Consortium.Client;
using Npgsql;

namespace Consortium.Cli;

/// <summary>
/// <c>consortium audit verify</c>: checks the audit chain in the database itself, not through the server, so an
/// operator can check what is stored without trusting the process that wrote it.
/// </summary>
internal static class AuditCommands
{
    public const int Intact = 0;
    public const int Broken = 1;
    public const int CannotCheck = 2;

    private const int DefaultUnsealedAfterSeconds = 60;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static Command Command()
    {
        var connection = new Option<string>("--connection")
        {
            Description = "Npgsql connection string of the Consortium database, e.g. \"Host=db;Database=consortium;Username=auditor\" (a password may come from PGPASSWORD or ~/.pgpass instead).",
            Required = true,
        };
        var schema = new Option<string>("--schema") { Description = "The schema of Consortium's tables.", DefaultValueFactory = _ => "consortium" };
        var anchors = new Option<string[]>("--anchor")
        {
            Description = "POSITION:HASH of the newest entry printed by an earlier verification and kept outside the database; detects removal of the newest entries. Repeatable.",
        };
        var unsealedAfter = new Option<int>("--unsealed-after")
        {
            Description = "Seconds an entry may wait to be sealed into the chain before it counts as a failure (the server seals within milliseconds while it runs).",
            DefaultValueFactory = _ => DefaultUnsealedAfterSeconds,
        };
        var keyFile = new Option<FileInfo?>("--key-file")
        {
            Description = "The chain's key (audit-chain.key in the server's keys folder). Without it, only a chain sealed without a key verifies.",
        };
        var unkeyedPrefix = new Option<long?>("--unkeyed-prefix")
        {
            Description = "With --key-file: how many entries at the start may be sealed without the key (the chain's length when the key was created). "
                + "Defaults to the number in audit-chain.unkeyed-prefix beside the key file, or 0 when there is none; any later unkeyed entry is a break.",
        };
        var verify = new Command("verify", "Recompute every hash of the audit chain in the database; exit 0 when intact, 1 at the first broken entry or when entries stay unsealed, 2 when it cannot be checked.")
        {
            connection, schema, anchors, unsealedAfter, keyFile, unkeyedPrefix,
        };
        verify.SetAction((parse, cancellationToken) => VerifyAsync(
            parse.GetValue(connection)!, parse.GetValue(schema)!, parse.GetValue(anchors) ?? [], TimeSpan.FromSeconds(parse.GetValue(unsealedAfter)), parse.GetValue(keyFile),
            parse.GetValue(unkeyedPrefix), parse.InvocationConfiguration.Output, cancellationToken));
        return new Command("audit", "The tamper-evident audit log.") { verify, AuditAnchorCommand.Command(connection, schema) };
    }

    public static async Task<int> VerifyAsync(string connectionString, string schema, IReadOnlyList<string> anchors, TimeSpan unsealedAfter, FileInfo? keyFile, long? unkeyedPrefix, TextWriter output, CancellationToken cancellationToken)
    {
        if (unsealedAfter < TimeSpan.Zero)
        {
            await output.WriteLineAsync("error: --unsealed-after takes a number of seconds, 0 or more.");
            return CannotCheck;
        }
        byte[]? key = null;
        if (keyFile is not null)
        {
            try
            {
                key = await File.ReadAllBytesAsync(keyFile.FullName, cancellationToken);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                await output.WriteLineAsync($"error: cannot read the key file: {e.Message}");
                return CannotCheck;
            }
        }
        if (unkeyedPrefix < 0)
        {
            await output.WriteLineAsync("error: --unkeyed-prefix takes a number of entries, 0 or more.");
            return CannotCheck;
        }
        if (key is not null && unkeyedPrefix is null)
        {
            // Recorded beside the key, outside the database, when the server first used it: see docs/decisions/0025.
            var recorded = AuditChain.UnkeyedPrefixFileOf(keyFile!.FullName);
            try
            {
                unkeyedPrefix = File.Exists(recorded) ? long.Parse((await File.ReadAllTextAsync(recorded, cancellationToken)).Trim(), NumberStyles.None, CultureInfo.InvariantCulture) : 0;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or OverflowException)
            {
                await output.WriteLineAsync($"error: cannot read {recorded}: {e.Message}");
                return CannotCheck;
            }
        }
        var verifier = new AuditChainVerifier(key, unkeyedPrefix ?? 0);
        foreach (var anchor in anchors)
        {
            var colon = anchor.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0 || !long.TryParse(anchor[..colon], NumberStyles.None, CultureInfo.InvariantCulture, out var index) || index < 1
                || anchor[(colon + 1)..] is not { Length: 64 } hash || !hash.All(char.IsAsciiHexDigit))
            {
                await output.WriteLineAsync($"error: --anchor takes POSITION:HASH (a chain position and its 64 hex digit hash), not \"{anchor}\".");
                return CannotCheck;
            }
            verifier.Anchor(index, hash);
        }

        var table = QuoteIdentifier(schema);
        (long All, long Overdue, long? OldestOverdue, DateTimeOffset? Oldest) unsealed = default;
        try
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync(cancellationToken);
            // REPEATABLE READ: the seals, the sealer's head and the waiting entries are read from one snapshot, while the
            // server keeps writing and sealing.
            await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
            var entries = $"{table}.{AuditChain.EntryTable}";
            var seals = $"{table}.{AuditChain.SealTable}";

            // Seals in position order, each with the entry it names (by the number inside the seal's data, which its hash
            // covers through the entry's index). The position checked is the one inside the seal's data: a seal moved to
            // another row shows up as a wrong position or a wrong hash.
            await using (var sealedEntries = new NpgsqlCommand(
                $"select s.id, s.data::text, e.data::text from {seals} as s left join {entries} as e on e.id = (s.data ->> 'entry')::bigint order by s.id",
                connection, transaction))
            {
                await using var reader = await sealedEntries.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    var row = reader.GetInt64(0);
                    StoredSeal? seal;
                    AuditEntryView? entry;
                    try
                    {
                        seal = JsonSerializer.Deserialize<StoredSeal>(reader.GetString(1), Json);
                        entry = reader.IsDBNull(2) ? null : JsonSerializer.Deserialize<AuditEntryView>(reader.GetString(2), Json);
                    }
                    catch (JsonException e)
                    {
                        verifier.RecordBreak(verifier.Count + 1, $"the seal stored at position {row}, or its entry, is not readable ({e.Message})");
                        break;
                    }
                    if (seal is null)
                    {
                        verifier.RecordBreak(verifier.Count + 1, $"the seal stored at position {row} is empty");
                        break;
                    }
                    if (entry is null)
                    {
                        verifier.RecordBreak(seal.Position, $"entry number {seal.Entry}, sealed at this position, is missing: the entry was removed");
                        break;
                    }
                    if (!verifier.Add(entry with { Position = seal.Position, PreviousHash = seal.PreviousHash, Hash = seal.Hash }))
                    {
                        break;
                    }
                }
            }

            if (verifier.Break is null)
            {
                // A tripwire, not proof: whoever deletes the newest entries can also lower this number.
                await using var head = new NpgsqlCommand($"select (data ->> 'position')::bigint from {table}.{AuditChain.HeadTable}", connection, transaction);
                var recorded = await head.ExecuteScalarAsync(cancellationToken) is long position ? position : 0;
                if (recorded != verifier.Count)
                {
                    verifier.RecordBreak(verifier.Count + 1, $"the sealer counts {recorded} entries but the chain ends at entry {verifier.Count}: "
                        + (recorded > verifier.Count ? "the newest entries were removed" : "entries were sealed outside the sealer"));
                }
            }

            // Entries not (yet) in the chain: normal for a few milliseconds after they are written; for longer, either
            // no sealer is running or something keeps entries out of the chain, and neither is an intact audit log.
            await using (var waiting = new NpgsqlCommand(
                $"""
                select count(*), count(*) filter (where at < now() - @after), min(id) filter (where at < now() - @after), min(at)
                from (select e.id, (e.data ->> 'at')::timestamptz as at from {entries} as e
                      where not exists (select 1 from {seals} as s where s.entry = e.id)) as unsealed
                """, connection, transaction))
            {
                waiting.Parameters.AddWithValue("after", unsealedAfter);
                await using var reader = await waiting.ExecuteReaderAsync(cancellationToken);
                await reader.ReadAsync(cancellationToken);
                unsealed = (reader.GetInt64(0), reader.GetInt64(1), reader.IsDBNull(2) ? null : reader.GetInt64(2), reader.IsDBNull(3) ? null : reader.GetFieldValue<DateTimeOffset>(3));
            }
            verifier.Confirms();
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            await output.WriteLineAsync($"error: no Consortium audit log in schema \"{schema}\" ({e.MessageText}).");
            return CannotCheck;
        }
        catch (Exception e) when (e is NpgsqlException or ArgumentException or InvalidOperationException)
        {
            await output.WriteLineAsync($"error: cannot read the audit log: {e.Message}");
            return CannotCheck;
        }

        if (verifier.Break is { } broken)
        {
            await output.WriteLineAsync($"Audit chain broken at entry {broken.Index}: {broken.Problem}.");
            return Broken;
        }
        await output.WriteLineAsync($"Audit chain intact: {verifier.Count} entries");
        if (verifier.UnkeyedPrefix > 0)
        {
            await output.WriteLineAsync($"Entries 1 to {verifier.UnkeyedPrefix} were sealed before the chain was keyed (plain SHA-256); every later one carries the key.");
        }
        if (verifier.Count > 0)
        {
            // Only a copy kept outside the database turns "intact" into "complete": see docs/decisions/0006.
            await output.WriteLineAsync($"Newest entry: {verifier.Count}:{verifier.LastHash} (keep it elsewhere and pass it as --anchor next time)");
        }
        if (unsealed.Overdue > 0)
        {
            await output.WriteLineAsync($"Audit log incomplete: {unsealed.Overdue} entries have waited more than {unsealedAfter.TotalSeconds:0.###} s to be sealed (the oldest is entry number {unsealed.OldestOverdue}, written {unsealed.Oldest:O}): "
                + "no sealer is running, or entries are being kept out of the chain.");
            return Broken;
        }
        if (unsealed.All > 0)
        {
            await output.WriteLineAsync($"Not sealed yet: {unsealed.All} entries written in the last {unsealedAfter.TotalSeconds:0.###} s.");
        }
        return Intact;
    }

    /// <summary>A seal as stored: the entry's position, its number, and the two hashes.</summary>
    private sealed record StoredSeal(long Position, long Entry, string? PreviousHash, string? Hash);

    private static string QuoteIdentifier(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
