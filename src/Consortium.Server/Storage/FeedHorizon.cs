using Npgsql;

namespace Consortium.Server.Storage;

/// <summary>
/// The horizon below which the feeds serve rows: a transaction id such that every transaction of this database with a
/// smaller id has ended, so no feed row can appear below it later (decision 0014). It is the snapshot's xmin, except
/// that transactions running in other databases of the same PostgreSQL cluster are passed over: they cannot write to
/// this database's tables, yet a plain <c>pg_snapshot_xmin</c> held every feed back for as long as any of them ran (a
/// long import in another consortium's database, or a test suite sharing the server, stalled the live board's reload).
/// </summary>
/// <remarks>
/// A transaction is passed over only when <c>pg_stat_activity</c> shows it, by id, running in another database. One that
/// is not shown (already ended, a subtransaction, or a session of a role whose details we may not read) still holds the
/// horizon, as before: the function may only err towards waiting, never towards skipping a row. A stable SQL function
/// runs under its caller's snapshot, so the horizon and the rows a statement reads are judged on one snapshot.
/// </remarks>
public sealed class FeedHorizon(StorageSettings settings) : IHostedService
{
    // "Hori" in ASCII: servers starting at once against one database create the function one after the other.
    private const long SchemaLockKey = 0x486f7269;

    /// <summary>The SQL expression of the horizon (an <c>xid8</c>), for a statement's <c>where</c>.</summary>
    public static string Sql(string schema) => $"{schema}.feed_horizon()";

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(settings.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        foreach (var statement in new[]
        {
            $"select pg_advisory_xact_lock({SchemaLockKey})",
            $"create schema if not exists {settings.Schema}",
            $"""
            create or replace function {Sql(settings.Schema)} returns xid8 language sql stable as $fn$
              with snapshot as (select pg_current_snapshot() as s),
              elsewhere as (
                select a.backend_xid::text as xid
                from pg_stat_activity a
                where a.backend_xid is not null
                  and a.datid <> (select oid from pg_database where datname = current_database()))
              select coalesce(
                (select min(x) from snapshot, pg_snapshot_xip(snapshot.s) as x
                 where (x::text::numeric % 4294967296)::text not in (select xid from elsewhere)),
                (select pg_snapshot_xmax(s) from snapshot))
            $fn$
            """,
        })
        {
            await using var command = new NpgsqlCommand(statement, connection, transaction);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
