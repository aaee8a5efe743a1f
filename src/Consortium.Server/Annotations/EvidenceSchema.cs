using Consortium.Server.Storage;
using Marten;
using Npgsql;

namespace Consortium.Server.Annotations;

/// <summary>Creates the evidence table at start-up, idempotently (Marten does not model raw byte columns well).</summary>
public sealed class EvidenceSchema(IDocumentStore store, StorageSettings settings, EvidenceStore evidence) : IHostedService
{
    // "Evid" in ASCII: servers starting at once against one database create the table one after the other.
    private const long SchemaLockKey = 0x45766964;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        await using var connection = new NpgsqlConnection(settings.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        foreach (var statement in new[]
        {
            $"select pg_advisory_xact_lock({SchemaLockKey})",
            $"""
            create table if not exists {evidence.Table} (
              investigation_id uuid not null,
              sha256 text not null,
              size bigint not null,
              content bytea not null,
              uploaded_by text not null,
              uploaded_at timestamptz not null,
              primary key (investigation_id, sha256))
            """,
            // Forensic outputs are mostly compressed archives already: compressing again costs CPU for nothing.
            $"alter table {evidence.Table} alter column content set storage external",
            // Files uploaded before holders were recorded have none: they are downloadable by nobody until their
            // outlet uploads them again (docs/security.md).
            $"""
            create table if not exists {evidence.HolderTable} (
              investigation_id uuid not null,
              sha256 text not null,
              outlet_id text not null,
              uploaded_at timestamptz not null,
              primary key (investigation_id, sha256, outlet_id))
            """,
            $"""
            create table if not exists {evidence.ShareTable} (
              investigation_id uuid not null,
              sha256 text not null,
              annotation_id uuid not null,
              primary key (annotation_id, sha256))
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
