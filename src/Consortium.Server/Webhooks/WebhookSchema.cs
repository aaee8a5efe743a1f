using Consortium.Server.Storage;
using Npgsql;

namespace Consortium.Server.Webhooks;

/// <summary>
/// Two tables of our own, not Marten documents: the dispatcher updates an endpoint's cursor and appends attempts to
/// its deliveries many times a second, with plain SQL (one statement per page of deliveries), and the schema is
/// small and stable. Deleting an endpoint deletes its log.
/// </summary>
public sealed class WebhookSchema(StorageSettings settings) : IHostedService
{
    // "Hook" in ASCII: servers starting at once against one database create the tables one after the other.
    private const long SchemaLockKey = 0x486f6f6b;

    public string Endpoints => $"{settings.Schema}.webhook_endpoint";

    public string Deliveries => $"{settings.Schema}.webhook_delivery";

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(settings.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        foreach (var statement in new[]
        {
            $"create schema if not exists {settings.Schema}",
            $"select pg_advisory_xact_lock({SchemaLockKey})",
            $"""
            create table if not exists {Endpoints} (
              id uuid primary key,
              outlet_id text not null,
              url text not null,
              description text not null,
              event_types text[] not null,
              investigation_id uuid null,
              secret text not null,
              previous_secret text null,
              previous_until timestamptz null,
              enabled boolean not null,
              disabled_reason text null,
              cursor text not null,
              failing_since timestamptz null,
              next_attempt_at timestamptz null,
              created_at timestamptz not null,
              created_by text not null)
            """,
            $"create index if not exists ix_webhook_endpoint_outlet on {Endpoints} (outlet_id)",
            $"""
            create table if not exists {Deliveries} (
              id uuid primary key,
              endpoint_id uuid not null references {Endpoints} (id) on delete cascade,
              event_id text not null,
              type text not null,
              entry_cursor text not null,
              after_cursor text not null,
              status text not null,
              attempts jsonb not null,
              created_at timestamptz not null,
              unique (endpoint_id, event_id))
            """,
            $"create index if not exists ix_webhook_delivery_endpoint on {Deliveries} (endpoint_id, created_at desc, id desc)",
        })
        {
            await using var command = new NpgsqlCommand(statement, connection, transaction);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
