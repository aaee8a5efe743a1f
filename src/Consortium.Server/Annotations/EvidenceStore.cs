using System.Data;
using Consortium.Client;
using Consortium.Server.Identity;
using Consortium.Server.Storage;
using Npgsql;
using NpgsqlTypes;

namespace Consortium.Server.Annotations;

/// <summary>The evidence table: one row per (investigation, SHA-256), the bytes stored uncompressed (they rarely compress).</summary>
public sealed class EvidenceStore(StorageSettings settings)
{
    private readonly string table = $"\"{settings.Schema.Replace("\"", "\"\"", StringComparison.Ordinal)}\".evidence_file";

    public string Table => table;

    public sealed record Stored(EvidenceFileView File, bool Created);

    /// <summary>Stores the file unless the investigation holds it already; the audit entry commits with it.</summary>
    public async Task<Stored> StoreAsync(Guid investigationId, string sha256, long size, Stream content, ConsortiumUser user, DateTimeOffset now,
        Func<NpgsqlTransaction, bool, CancellationToken, Task> audit, CancellationToken cancellationToken)
    {
        // PostgreSQL keeps microseconds: the instant answered now is the one read back later.
        now = new DateTimeOffset(now.UtcTicks - now.UtcTicks % TimeSpan.TicksPerMicrosecond, TimeSpan.Zero);
        await using var connection = new NpgsqlConnection(settings.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var insert = new NpgsqlCommand($"""
            insert into {table} (investigation_id, sha256, size, content, uploaded_by, uploaded_at)
            values ($1, $2, $3, $4, $5, $6)
            on conflict (investigation_id, sha256) do nothing
            """, connection, transaction);
        insert.Parameters.Add(new() { Value = investigationId });
        insert.Parameters.Add(new() { Value = sha256 });
        insert.Parameters.Add(new() { Value = size });
        insert.Parameters.Add(new() { Value = content, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bytea, Size = checked((int)size) });
        insert.Parameters.Add(new() { Value = user.UserId });
        insert.Parameters.Add(new() { Value = now });
        var created = await insert.ExecuteNonQueryAsync(cancellationToken) == 1;
        await audit(transaction, created, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new(created ? new EvidenceFileView(sha256, size, now) : (await FindAsync(investigationId, sha256, cancellationToken))!, created);
    }

    /// <summary>The sizes of those of <paramref name="hashes"/> that the investigation holds.</summary>
    public async Task<IReadOnlyDictionary<string, long>> SizesAsync(Guid investigationId, IEnumerable<string> hashes, CancellationToken cancellationToken)
    {
        var wanted = hashes.Select(h => h.ToLowerInvariant()).Distinct().ToArray();
        var sizes = new Dictionary<string, long>(StringComparer.Ordinal);
        if (wanted.Length == 0)
        {
            return sizes;
        }
        await using var connection = new NpgsqlConnection(settings.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"select sha256, size from {table} where investigation_id = $1 and sha256 = any($2)", connection);
        command.Parameters.Add(new() { Value = investigationId });
        command.Parameters.Add(new() { Value = wanted });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            sizes[reader.GetString(0)] = reader.GetInt64(1);
        }
        return sizes;
    }

    public async Task<bool> ExistsAsync(Guid investigationId, string sha256, CancellationToken cancellationToken) =>
        await FindAsync(investigationId, sha256, cancellationToken) is not null;

    private async Task<EvidenceFileView?> FindAsync(Guid investigationId, string sha256, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(settings.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"select size, uploaded_at from {table} where investigation_id = $1 and sha256 = $2", connection);
        command.Parameters.Add(new() { Value = investigationId });
        command.Parameters.Add(new() { Value = sha256 });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new EvidenceFileView(sha256, reader.GetInt64(0), reader.GetFieldValue<DateTimeOffset>(1))
            : null;
    }

    /// <summary>Streams the bytes into the response without holding the whole file in memory.</summary>
    public async Task CopyToAsync(Guid investigationId, string sha256, HttpResponse response, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(settings.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"select size, content from {table} where investigation_id = $1 and sha256 = $2", connection);
        command.Parameters.Add(new() { Value = investigationId });
        command.Parameters.Add(new() { Value = sha256 });
        await using var reader = await command.ExecuteReaderAsync(CommandBehavior.SequentialAccess, cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return;
        }
        response.ContentLength = reader.GetInt64(0);
        await using var content = await reader.GetStreamAsync(1, cancellationToken);
        await content.CopyToAsync(response.Body, cancellationToken);
    }
}
