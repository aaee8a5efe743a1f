using System.Data;
using Consortium.Client;
using Consortium.Server.Identity;
using Consortium.Server.Storage;
using Marten;
using Npgsql;
using NpgsqlTypes;

namespace Consortium.Server.Annotations;

/// <summary>The evidence table: one row per (investigation, SHA-256), the bytes stored uncompressed (they rarely compress).</summary>
public sealed class EvidenceStore(StorageSettings settings)
{
    private readonly string table = $"\"{settings.Schema.Replace("\"", "\"\"", StringComparison.Ordinal)}\".evidence_file";

    public string Table => table;

    public sealed record Stored(EvidenceFileView File, bool Created);

    /// <summary>Which outlets hold which files: each upload makes the uploader's outlet a holder of the bytes.</summary>
    public string HolderTable => $"\"{settings.Schema.Replace("\"", "\"\"", StringComparison.Ordinal)}\".evidence_holder";

    /// <summary>Which verification shares which file: written when a holder's member cites it there.</summary>
    public string ShareTable => $"\"{settings.Schema.Replace("\"", "\"\"", StringComparison.Ordinal)}\".evidence_share";

    /// <summary>
    /// Stores the file, and makes the uploader's outlet a holder; the audit entry commits with it.
    /// <see cref="Stored.Created"/> is about the outlet (new to it), never about other outlets.
    /// </summary>
    /// <remarks>
    /// Bytes the investigation holds already are written again over themselves (the first uploader and time stay): an
    /// upload that skipped the write when another outlet held the file answered sooner, by the time it takes to store
    /// the file, and so told an outlet by a stopwatch what the answer's body does not (whether a partner holds a given
    /// document). The row stays one per file and investigation; the old version is vacuumed away.
    /// </remarks>
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
            on conflict (investigation_id, sha256) do update set content = excluded.content
            """, connection, transaction);
        insert.Parameters.Add(new() { Value = investigationId });
        insert.Parameters.Add(new() { Value = sha256 });
        insert.Parameters.Add(new() { Value = size });
        insert.Parameters.Add(new() { Value = content, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bytea, Size = checked((int)size) });
        insert.Parameters.Add(new() { Value = user.UserId });
        insert.Parameters.Add(new() { Value = now });
        await insert.ExecuteNonQueryAsync(cancellationToken);
        await using var hold = new NpgsqlCommand($"""
            insert into {HolderTable} (investigation_id, sha256, outlet_id, uploaded_at) values ($1, $2, $3, $4)
            on conflict (investigation_id, sha256, outlet_id) do nothing
            """, connection, transaction);
        hold.Parameters.Add(new() { Value = investigationId });
        hold.Parameters.Add(new() { Value = sha256 });
        hold.Parameters.Add(new() { Value = user.OutletId });
        hold.Parameters.Add(new() { Value = now });
        var created = await hold.ExecuteNonQueryAsync(cancellationToken) == 1;
        await audit(transaction, created, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new(created ? new EvidenceFileView(sha256, size, now) : (await FindHeldAsync(investigationId, user.OutletId, sha256, cancellationToken))!, created);
    }

    /// <summary>
    /// Queues, in <paramref name="session"/>'s unit of work, that verification <paramref name="annotationId"/> shares
    /// the files <paramref name="hashes"/>: only hashes the citing outlet holds are passed here.
    /// </summary>
    public void QueueShares(IDocumentSession session, Guid investigationId, Guid annotationId, IEnumerable<string> hashes)
    {
        foreach (var hash in hashes)
        {
            session.QueueSqlCommand($"insert into {ShareTable} (investigation_id, sha256, annotation_id) values (?, ?, ?) on conflict do nothing",
                investigationId, hash, annotationId);
        }
    }

    /// <summary>Whether verification <paramref name="annotationId"/> shares the stored file <paramref name="sha256"/>.</summary>
    public async Task<bool> IsSharedAsync(Guid investigationId, Guid annotationId, string sha256, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(settings.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"""
            select exists (select 1 from {ShareTable} s join {table} f on f.investigation_id = s.investigation_id and f.sha256 = s.sha256
                           where s.investigation_id = $1 and s.annotation_id = $2 and s.sha256 = $3)
            """, connection);
        command.Parameters.Add(new() { Value = investigationId });
        command.Parameters.Add(new() { Value = annotationId });
        command.Parameters.Add(new() { Value = sha256 });
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>The sizes of those of <paramref name="hashes"/> that <paramref name="outletId"/> holds in the investigation (others' files are not its to cite or to probe).</summary>
    public async Task<IReadOnlyDictionary<string, long>> SizesAsync(Guid investigationId, string outletId, IEnumerable<string> hashes, CancellationToken cancellationToken)
    {
        var wanted = hashes.Select(h => h.ToLowerInvariant()).Distinct().ToArray();
        var sizes = new Dictionary<string, long>(StringComparer.Ordinal);
        if (wanted.Length == 0)
        {
            return sizes;
        }
        await using var connection = new NpgsqlConnection(settings.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"""
            select f.sha256, f.size from {table} f join {HolderTable} h on h.investigation_id = f.investigation_id and h.sha256 = f.sha256
            where f.investigation_id = $1 and f.sha256 = any($2) and h.outlet_id = $3
            """, connection);
        command.Parameters.Add(new() { Value = investigationId });
        command.Parameters.Add(new() { Value = wanted });
        command.Parameters.Add(new() { Value = outletId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            sizes[reader.GetString(0)] = reader.GetInt64(1);
        }
        return sizes;
    }

    private async Task<EvidenceFileView?> FindHeldAsync(Guid investigationId, string outletId, string sha256, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(settings.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"""
            select f.size, h.uploaded_at from {table} f join {HolderTable} h on h.investigation_id = f.investigation_id and h.sha256 = f.sha256
            where f.investigation_id = $1 and f.sha256 = $2 and h.outlet_id = $3
            """, connection);
        command.Parameters.Add(new() { Value = investigationId });
        command.Parameters.Add(new() { Value = sha256 });
        command.Parameters.Add(new() { Value = outletId });
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
