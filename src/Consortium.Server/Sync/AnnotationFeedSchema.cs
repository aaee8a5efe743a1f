using Consortium.Server.Storage;
using Marten;
using Npgsql;

namespace Consortium.Server.Sync;

/// <summary>
/// The table behind the changes feed, and the trigger that fills it. Marten upserts an annotation's inline snapshot in
/// the same transaction as its events; the trigger copies each upserted state into <c>annotation_feed</c> with the
/// writing transaction's id (<c>pg_current_xact_id()</c>). The feed serves only rows of transactions older than the
/// oldest one still running, ordered by (transaction id, sequence): see docs/decisions/0014-annotations-changes-feed.md.
/// </summary>
/// <remarks>
/// A trigger rather than a Marten listener with queued SQL: it runs in the writing transaction whatever path appended
/// the events (a request, an import, a projection rebuild), and it sees the state exactly as Marten stored it.
/// </remarks>
public sealed class AnnotationFeedSchema(IDocumentStore store, StorageSettings settings) : IHostedService
{
    // "Feed" in ASCII: servers starting at once against one database create the objects one after the other.
    private const long SchemaLockKey = 0x46656564;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        var sql = new AnnotationFeedSql(settings.Schema);
        await using var connection = new NpgsqlConnection(settings.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        foreach (var statement in new[]
        {
            $"select pg_advisory_xact_lock({SchemaLockKey})",
            $"""
            create table if not exists {sql.Table} (
              seq bigint not null,
              xid xid8 not null,
              annotation_id uuid not null,
              investigation_id uuid not null,
              dataset_id uuid not null,
              record_id uuid not null,
              data jsonb not null,
              primary key (annotation_id, seq))
            """,
            $"create index if not exists ix_annotation_feed_position on {sql.Table} (investigation_id, xid, seq)",
            $"""
            create or replace function {sql.Schema}.annotation_feed_append() returns trigger language plpgsql as $fn$
            begin
              insert into {sql.Table} (seq, xid, annotation_id, investigation_id, dataset_id, record_id, data)
              values ((new.data ->> 'sequence')::bigint, pg_current_xact_id(), new.id, (new.data ->> 'investigationId')::uuid,
                      (new.data ->> 'datasetId')::uuid, (new.data ->> 'recordId')::uuid, new.data)
              on conflict (annotation_id, seq) do nothing;
              return null;
            end
            $fn$
            """,
            $"create or replace trigger annotation_feed_append after insert or update on {sql.Schema}.mt_doc_annotation for each row execute function {sql.Schema}.annotation_feed_append()",
            // Annotations stored before the feed existed enter it once, in their current state.
            $"""
            insert into {sql.Table} (seq, xid, annotation_id, investigation_id, dataset_id, record_id, data)
            select (a.data ->> 'sequence')::bigint, pg_current_xact_id(), a.id, (a.data ->> 'investigationId')::uuid,
                   (a.data ->> 'datasetId')::uuid, (a.data ->> 'recordId')::uuid, a.data
            from {sql.Schema}.mt_doc_annotation a
            where not exists (select 1 from {sql.Table} f where f.annotation_id = a.id)
            on conflict (annotation_id, seq) do nothing
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

internal sealed record AnnotationFeedSql(string Schema)
{
    public string Table => $"{Schema}.annotation_feed";
}
