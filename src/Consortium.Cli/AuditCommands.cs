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
            Description = "INDEX:HASH of an entry printed by an earlier verification and kept outside the database; detects removal of the newest entries. Repeatable.",
        };
        var verify = new Command("verify", "Recompute every hash of the audit chain in the database; exit 0 when intact, 1 at the first broken entry, 2 when it cannot be checked.")
        {
            connection, schema, anchors,
        };
        verify.SetAction((parse, cancellationToken) => VerifyAsync(
            parse.GetValue(connection)!, parse.GetValue(schema)!, parse.GetValue(anchors) ?? [], parse.InvocationConfiguration.Output, cancellationToken));
        return new Command("audit", "The tamper-evident audit log.") { verify };
    }

    public static async Task<int> VerifyAsync(string connectionString, string schema, IReadOnlyList<string> anchors, TextWriter output, CancellationToken cancellationToken)
    {
        var verifier = new AuditChainVerifier();
        foreach (var anchor in anchors)
        {
            var colon = anchor.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0 || !long.TryParse(anchor[..colon], NumberStyles.None, CultureInfo.InvariantCulture, out var index) || index < 1
                || anchor[(colon + 1)..] is not { Length: 64 } hash || !hash.All(char.IsAsciiHexDigit))
            {
                await output.WriteLineAsync($"error: --anchor takes INDEX:HASH (an entry number and its 64 hex digit hash), not \"{anchor}\".");
                return CannotCheck;
            }
            verifier.Anchor(index, hash);
        }

        var table = QuoteIdentifier(schema);
        try
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync(cancellationToken);
            // REPEATABLE READ: the stream's recorded version and its events are read from one snapshot, while the
            // server keeps appending.
            await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);

            // Ordered by version, not by the index inside the data: a reordering must show up as a wrong index.
            await using (var events = new NpgsqlCommand($"select version, data::text from {table}.mt_events where stream_id = @stream order by version", connection, transaction))
            {
                events.Parameters.AddWithValue("stream", AuditChain.StreamId);
                await using var reader = await events.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    var version = reader.GetInt64(0);
                    AuditEntryView? entry;
                    try
                    {
                        entry = JsonSerializer.Deserialize<AuditEntryView>(reader.GetString(1), Json);
                    }
                    catch (JsonException e)
                    {
                        verifier.RecordBreak(verifier.Count + 1, $"the event stored at version {version} is not a readable audit entry ({e.Message})");
                        break;
                    }
                    if (entry is null)
                    {
                        verifier.RecordBreak(verifier.Count + 1, $"the event stored at version {version} is empty");
                        break;
                    }
                    if (!verifier.Add(entry))
                    {
                        break;
                    }
                }
            }

            if (verifier.Break is null)
            {
                // A tripwire, not proof: whoever deletes the newest events can also lower this number.
                await using var stream = new NpgsqlCommand($"select version from {table}.mt_streams where id = @stream", connection, transaction);
                stream.Parameters.AddWithValue("stream", AuditChain.StreamId);
                if (await stream.ExecuteScalarAsync(cancellationToken) is long recorded && recorded != verifier.Count)
                {
                    verifier.RecordBreak(verifier.Count + 1, $"the event store counts {recorded} entries but the chain ends at entry {verifier.Count}: "
                        + (recorded > verifier.Count ? "the newest entries were removed" : "entries were added outside the event store"));
                }
            }
            verifier.Confirms();
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            await output.WriteLineAsync($"error: no Consortium event store in schema \"{schema}\" ({e.MessageText}).");
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
        if (verifier.Count > 0)
        {
            // Only a copy kept outside the database turns "intact" into "complete": see docs/decisions/0006.
            await output.WriteLineAsync($"Newest entry: {verifier.Count}:{verifier.LastHash} (keep it elsewhere and pass it as --anchor next time)");
        }
        return Intact;
    }

    private static string QuoteIdentifier(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
