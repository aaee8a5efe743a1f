using Npgsql;
using NpgsqlTypes;

namespace Consortium.Cli.Mirror;

/// <summary>What a mirror writes into: it keeps the cursors itself, so a run resumes where the last stored batch ended.</summary>
internal interface IMirrorTarget : IAsyncDisposable
{
    Task<Dictionary<string, string>> LoadCursorsAsync(CancellationToken cancellationToken);

    /// <summary>Stores a batch's items and its cursor together; answers how many objects changed.</summary>
    Task<int> ApplyAsync(MirrorBatch batch, CancellationToken cancellationToken);

    /// <summary>Makes what was applied durable where the target buffers (the folder rewrites its files here).</summary>
    Task FlushAsync(CancellationToken cancellationToken);
}

/// <summary>A failure of the target (database or folder), told apart from the server's so a cron job can act on it.</summary>
internal sealed class MirrorTargetException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// The partner's own PostgreSQL database: tables in schema <c>consortium_mirror</c>, created on first run; each batch is
/// one transaction with its cursor, so a crash repeats at most a batch. Upserts by id keep the higher version: an older
/// state never overwrites a newer one, and the same state writes nothing (a second run changes no row).
/// </summary>
internal sealed class PostgresMirrorTarget : IMirrorTarget
{
    public const string Schema = "consortium_mirror";
    private readonly NpgsqlDataSource dataSource;
    private readonly Guid investigationId;

    private PostgresMirrorTarget(NpgsqlDataSource dataSource, Guid investigationId)
    {
        this.dataSource = dataSource;
        this.investigationId = investigationId;
    }

    public static async Task<PostgresMirrorTarget> OpenAsync(string connectionString, Guid investigationId, CancellationToken cancellationToken)
    {
        NpgsqlDataSource? dataSource = null;
        try
        {
            dataSource = NpgsqlDataSource.Create(connectionString);
            var target = new PostgresMirrorTarget(dataSource, investigationId);
            await target.ExecuteAsync(
                $"""
                create schema if not exists {Schema};
                create table if not exists {Schema}.cursors (
                  investigation_id uuid not null, name text not null, cursor text not null, updated_at timestamptz not null default now(),
                  primary key (investigation_id, name));
                create table if not exists {Schema}.records (
                  id uuid primary key, investigation_id uuid not null, dataset_id uuid not null, version bigint not null,
                  data jsonb not null, mirrored_at timestamptz not null default now());
                create table if not exists {Schema}.annotations (
                  id uuid primary key, investigation_id uuid not null, record_id uuid not null, version bigint not null,
                  change text not null, retracted boolean not null, data jsonb not null, web_annotation jsonb not null,
                  mirrored_at timestamptz not null default now());
                """, cancellationToken);
            return target;
        }
        catch (Exception e) when (e is NpgsqlException or ArgumentException or InvalidOperationException)
        {
            if (dataSource is not null)
            {
                await dataSource.DisposeAsync();
            }
            throw new MirrorTargetException($"the database cannot be used: {e.Message}", e);
        }
    }

    public async Task<Dictionary<string, string>> LoadCursorsAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var command = dataSource.CreateCommand($"select name, cursor from {Schema}.cursors where investigation_id = $1");
            command.Parameters.Add(new() { Value = investigationId, NpgsqlDbType = NpgsqlDbType.Uuid });
            var cursors = new Dictionary<string, string>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                cursors[reader.GetString(0)] = reader.GetString(1);
            }
            return cursors;
        }
        catch (NpgsqlException e)
        {
            throw new MirrorTargetException($"cannot read the stored cursors: {e.Message}", e);
        }
    }

    public async Task<int> ApplyAsync(MirrorBatch batch, CancellationToken cancellationToken)
    {
        // A page may hold several states of one object: the latest is the one to keep (one upsert may not touch a row twice).
        var latest = batch.Items.GroupBy(i => i.Id).Select(g => g.MaxBy(i => i.Version)!).ToList();
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            var changed = 0;
            var records = latest.Where(i => i.Type == MirrorTypes.Record).ToList();
            if (records.Count > 0)
            {
                await using var upsert = new NpgsqlCommand(
                    $"""
                    insert into {Schema}.records as m (id, investigation_id, dataset_id, version, data)
                    select id, $5, dataset_id, version, data::jsonb from unnest($1::uuid[], $2::uuid[], $3::bigint[], $4::text[]) as u(id, dataset_id, version, data)
                    on conflict (id) do update set version = excluded.version, data = excluded.data, mirrored_at = now()
                    where m.version < excluded.version
                    """, connection, transaction);
                upsert.Parameters.Add(new() { Value = records.Select(r => r.Id).ToArray() });
                upsert.Parameters.Add(new() { Value = records.Select(r => r.Object.GetProperty("datasetId").GetGuid()).ToArray() });
                upsert.Parameters.Add(new() { Value = records.Select(r => r.Version).ToArray() });
                upsert.Parameters.Add(new() { Value = records.Select(r => r.Object.GetRawText()).ToArray() });
                upsert.Parameters.Add(new() { Value = investigationId });
                changed += await upsert.ExecuteNonQueryAsync(cancellationToken);
            }
            var annotations = latest.Where(i => i.Type == MirrorTypes.Annotation).ToList();
            if (annotations.Count > 0)
            {
                await using var upsert = new NpgsqlCommand(
                    $"""
                    insert into {Schema}.annotations as m (id, investigation_id, record_id, version, change, retracted, data, web_annotation)
                    select id, $8, record_id, version, change, retracted, data::jsonb, web::jsonb
                    from unnest($1::uuid[], $2::uuid[], $3::bigint[], $4::text[], $5::boolean[], $6::text[], $7::text[]) as u(id, record_id, version, change, retracted, data, web)
                    on conflict (id) do update set version = excluded.version, change = excluded.change, retracted = excluded.retracted,
                      data = excluded.data, web_annotation = excluded.web_annotation, mirrored_at = now()
                    where m.version < excluded.version
                    """, connection, transaction);
                upsert.Parameters.Add(new() { Value = annotations.Select(a => a.Id).ToArray() });
                upsert.Parameters.Add(new() { Value = annotations.Select(a => a.Object.GetProperty("recordId").GetGuid()).ToArray() });
                upsert.Parameters.Add(new() { Value = annotations.Select(a => a.Version).ToArray() });
                upsert.Parameters.Add(new() { Value = annotations.Select(a => a.Change).ToArray() });
                upsert.Parameters.Add(new() { Value = annotations.Select(a => a.Retracted).ToArray() });
                upsert.Parameters.Add(new() { Value = annotations.Select(a => a.Object.GetRawText()).ToArray() });
                upsert.Parameters.Add(new() { Value = annotations.Select(a => a.WebAnnotation ?? "{}").ToArray() });
                upsert.Parameters.Add(new() { Value = investigationId });
                changed += await upsert.ExecuteNonQueryAsync(cancellationToken);
            }
            await using (var cursor = new NpgsqlCommand(
                $"""
                insert into {Schema}.cursors as c (investigation_id, name, cursor) values ($1, $2, $3)
                on conflict (investigation_id, name) do update set cursor = excluded.cursor, updated_at = now()
                where c.cursor is distinct from excluded.cursor
                """, connection, transaction))
            {
                cursor.Parameters.Add(new() { Value = investigationId });
                cursor.Parameters.Add(new() { Value = batch.CursorName });
                cursor.Parameters.Add(new() { Value = batch.Cursor });
                await cursor.ExecuteNonQueryAsync(cancellationToken);
            }
            await transaction.CommitAsync(cancellationToken);
            return changed;
        }
        catch (NpgsqlException e)
        {
            throw new MirrorTargetException($"cannot write to the database: {e.Message}", e);
        }
    }

    public Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public ValueTask DisposeAsync() => dataSource.DisposeAsync();

    private async Task ExecuteAsync(string sql, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
