using Consortium.Client;
using Consortium.Server.Identity;
using Consortium.Server.Storage;
using Npgsql;

namespace Consortium.Server.Audit;

/// <summary>The chain's HMAC key: <c>Audit:KeyFile</c>, or <c>audit-chain.key</c> in the keys folder beside the token keys.</summary>
internal static class AuditKey
{
    public static string PathOf(IConfiguration configuration) =>
        configuration["Audit:KeyFile"] is { Length: > 0 } file ? file : System.IO.Path.Combine(KeyFiles.Directory(configuration), "audit-chain.key");

    public static byte[] Load(IConfiguration configuration)
    {
        var path = PathOf(configuration);
        return KeyFiles.LoadOrCreateSecret(System.IO.Path.GetDirectoryName(path)!, System.IO.Path.GetFileNameWithoutExtension(path));
    }

    /// <summary>
    /// Writes, once, beside the key, the chain's length before anything is sealed with it (0 for a new install), so the
    /// verifier refuses unkeyed seals beyond it: without that record, a chain re-sealed unkeyed from genesis would pass as
    /// "sealed before the key". A deployment keyed before this file existed records its length at upgrade (lenient, never wrong).
    /// </summary>
    public static async Task RecordUnkeyedPrefixAsync(IConfiguration configuration, StorageSettings settings, CancellationToken cancellationToken)
    {
        var path = AuditChain.UnkeyedPrefixFileOf(PathOf(configuration));
        if (File.Exists(path))
        {
            return;
        }
        await using var connection = new NpgsqlConnection(settings.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        var schema = "\"" + settings.Schema.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
        await using var command = new NpgsqlCommand($"select coalesce(max(id), 0) from {schema}.{AuditChain.SealTable}", connection);
        var length = Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
        var temporary = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        await File.WriteAllTextAsync(temporary, length.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\n", cancellationToken);
        try
        {
            // Never overwritten: another node may have recorded it first, and a later, larger number would only weaken it.
            File.Move(temporary, path);
        }
        catch (IOException)
        {
            File.Delete(temporary);
        }
    }
}

/// <summary>
/// Audit entries and seals are append-only in the database too: a row trigger refuses every UPDATE and DELETE of their
/// rows and a statement trigger every TRUNCATE (which fires no row trigger), whoever sends it (an injected statement, a careless script, the application's own role). It holds while the table's
/// owner leaves it in place; an owner can drop it, which is why decision 0025 also describes giving the tables to a
/// separate owner with insert-only grants, and why the chain is keyed and anchored. When the application's role is not
/// the owner (that setup), creating the trigger fails and the owner is expected to have set it up.
/// </summary>
internal static class AuditGuard
{
    public const string TriggerName = "audit_append_only";

    /// <summary>TRUNCATE fires only statement-level triggers, so it needs its own; no setting lets it through (decision 0025).</summary>
    public const string TruncateTriggerName = "audit_append_only_truncate";

    public static async Task EnsureAsync(StorageSettings settings, ILogger logger, CancellationToken cancellationToken)
    {
        var schema = "\"" + settings.Schema.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
        var sql = $"""
            create or replace function {schema}.audit_refuse_change() returns trigger language plpgsql as $$
            begin
              raise exception 'audit rows are append-only: % of %.% refused', tg_op, tg_table_schema, tg_table_name
                using errcode = 'insufficient_privilege';
            end $$;
            """;
        foreach (var table in new[] { AuditChain.EntryTable, AuditChain.SealTable })
        {
            sql += $"""

                drop trigger if exists {TriggerName} on {schema}.{table};
                create trigger {TriggerName} before update or delete on {schema}.{table} for each row execute function {schema}.audit_refuse_change();
                drop trigger if exists {TruncateTriggerName} on {schema}.{table};
                create trigger {TruncateTriggerName} before truncate on {schema}.{table} for each statement execute function {schema}.audit_refuse_change();
                """;
        }
        try
        {
            await using var connection = new NpgsqlConnection(settings.ConnectionString);
            await connection.OpenAsync(cancellationToken);
            // Already in place (another node, or this one before a restart): no DDL. Dropping and creating the triggers
            // takes locks that can deadlock with another node's sealing and writing, and a failed start stops the node.
            await using (var present = new NpgsqlCommand(
                "select count(*) from pg_trigger t join pg_class c on c.oid = t.tgrelid join pg_namespace n on n.oid = c.relnamespace "
                + "where n.nspname = $1 and c.relname = any($2) and t.tgname = any($3)", connection))
            {
                present.Parameters.Add(new() { Value = settings.Schema });
                present.Parameters.Add(new() { Value = new[] { AuditChain.EntryTable, AuditChain.SealTable } });
                present.Parameters.Add(new() { Value = new[] { TriggerName, TruncateTriggerName } });
                if (Convert.ToInt64(await present.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture) == 4)
                {
                    return;
                }
            }
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await using var command = new NpgsqlCommand(sql, connection, transaction);
            await command.ExecuteNonQueryAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.InsufficientPrivilege or PostgresErrorCodes.UndefinedTable)
        {
            logger.LogWarning("The audit tables' append-only trigger could not be (re)created ({Message}); their owner must keep it in place.", e.MessageText);
        }
    }
}
