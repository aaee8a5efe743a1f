using Npgsql;
using NpgsqlTypes;

namespace Consortium.Server.Records;

/// <summary>
/// Counts of records per dataset, country and date, so that the counts of a search filtering only by those (the dataset
/// page as it opens, a country, a date range) are a sum over a few thousand rows rather than a count over millions.
/// </summary>
/// <remarks>
/// Records are never changed after import, and every import stores its dataset again (new record count), which gives
/// the dataset document a new Marten version. A dataset's summary is therefore rebuilt when the version it was built
/// at is not the dataset's current one. The import job rebuilds it as it completes (about a second at a million rows),
/// so searches read the summary; a search finding it stale (an import by an older server, a failed rebuild) rebuilds it. The rebuild reads the version and the
/// records in one repeatable-read snapshot, so a summary never mixes two imports. Restricted records are in the
/// summary; searches take their share away again (<see cref="RecordSearchQueries"/>), so no count reveals them.
/// </remarks>
internal static class RecordFacetSummary
{
    /// <summary>Rebuilds one dataset's summary if stale, on a connection of its own (the import job, as it completes).</summary>
    public static async Task RefreshAsync(Consortium.Server.Storage.StorageSettings storage, Guid datasetId, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(storage.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await RefreshAsync(connection, new RecordSearchSql(storage.Schema), [datasetId], cancellationToken);
    }

    public static async Task RefreshAsync(NpgsqlConnection connection, RecordSearchSql sql, Guid[] datasetIds, CancellationToken cancellationToken)
    {
        foreach (var datasetId in await StaleAsync(connection, sql, datasetIds, cancellationToken))
        {
            // Two rebuilds of one dataset (the import's own, a search's, a chart's: the dataset page asks for both at
            // once) run one after the other, not both at once. The lock is the session's, taken before the transaction:
            // a repeatable-read snapshot starts with the transaction's first statement, so a lock taken inside would
            // come after a snapshot older than the first rebuild's commit, and the second rebuild would fail to
            // serialize (40001) instead of seeing the first's summary and stopping there.
            await LockAsync(connection, sql, datasetId, "pg_advisory_lock", cancellationToken);
            try
            {
                await RebuildIfStaleAsync(connection, sql, datasetId, cancellationToken);
            }
            finally
            {
                // Not cancellable: a lock left held would block every later rebuild on this pooled connection's session.
                // (A broken connection's session, and its lock, are gone with it.)
                if (connection.FullState == System.Data.ConnectionState.Open)
                {
                    await LockAsync(connection, sql, datasetId, "pg_advisory_unlock", CancellationToken.None);
                }
            }
        }
    }

    private static async Task LockAsync(NpgsqlConnection connection, RecordSearchSql sql, Guid datasetId, string function, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"select {function}({sql.SummaryLockKey}, hashtext($1::text))", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = datasetId, NpgsqlDbType = NpgsqlDbType.Uuid });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task RebuildIfStaleAsync(NpgsqlConnection connection, RecordSearchSql sql, Guid datasetId, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
        if ((await StaleAsync(connection, sql, [datasetId], cancellationToken)).Count == 0)
        {
            await transaction.CommitAsync(cancellationToken);
            return;
        }
        await using (var batch = new NpgsqlBatch(connection, transaction))
        {
            foreach (var statement in new[]
            {
                $"delete from {sql.FacetSummary} where dataset_id = $1",
                $"""
                insert into {sql.FacetSummary} (dataset_id, country, date, records)
                  select dataset_id, coalesce(country, ''), coalesce(date, ''), count(*) from {sql.Table} where dataset_id = $1 group by 1, 2, 3
                """,
                $"""
                insert into {sql.FacetSummaryState} (dataset_id, dataset_version)
                  select id, mt_version from {sql.Datasets} where id = $1
                  on conflict (dataset_id) do update set dataset_version = excluded.dataset_version
                """,
            })
            {
                var command = new NpgsqlBatchCommand(statement);
                command.Parameters.Add(new NpgsqlParameter { Value = datasetId, NpgsqlDbType = NpgsqlDbType.Uuid });
                batch.BatchCommands.Add(command);
            }
            await batch.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
    }

    private static async Task<List<Guid>> StaleAsync(NpgsqlConnection connection, RecordSearchSql sql, Guid[] datasetIds, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            $"""
            select d.id from {sql.Datasets} d left join {sql.FacetSummaryState} s on s.dataset_id = d.id
            where d.id = any($1) and s.dataset_version is distinct from d.mt_version
            """, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = datasetIds, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid });
        var stale = new List<Guid>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            stale.Add(reader.GetGuid(0));
        }
        return stale;
    }
}
