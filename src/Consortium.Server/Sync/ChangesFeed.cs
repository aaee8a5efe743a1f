using System.Globalization;
using System.Text.Json;
using Consortium.Client;
using Consortium.Server.Access;
using Consortium.Server.Annotations;
using Consortium.Server.Identity;
using Consortium.Server.Storage;
using Marten;
using Npgsql;
using NpgsqlTypes;

namespace Consortium.Server.Sync;

/// <summary>
/// Reads the changes feed of one investigation for one caller: annotation states in (transaction id, sequence) order,
/// only from transactions no longer running, filtered by the record's and the annotation's visibility.
/// </summary>
public sealed class ChangesFeed(StorageSettings settings, IQuerySession session)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task<ChangesPage> ReadAsync(ConsortiumUser user, Guid investigationId, FeedCursor after, int limit, CancellationToken cancellationToken, Guid? recordId = null, InvestigationRole? role = null)
    {
        // What the caller's outlet may not see of this investigation, as of now: compartments and record restrictions.
        var datasets = await session.Query<Dataset>().Where(d => d.InvestigationId == investigationId).ToListAsync(cancellationToken);
        var hiddenDatasets = datasets.Where(d => !d.IsSharedWith(user.OutletId)).Select(d => d.Id).ToArray();
        var datasetIds = datasets.Select(d => d.Id).ToArray();
        var restrictions = await session.Query<RecordRestriction>().Where(r => r.DatasetId.IsOneOf(datasetIds)).ToListAsync(cancellationToken);
        var hiddenRecords = restrictions.Where(r => !r.OutletIds.Contains(user.OutletId)).Select(r => r.Id).ToArray();

        var table = new AnnotationFeedSql(settings.Schema).Table;
        // xid < the horizon of the statement's own snapshot (FeedHorizon): every transaction of this database with a
        // smaller id has ended, so no row can appear later below the cursor. A transaction still running holds the feed back at its id, never past it.
        var sql = $"""
            select f.xid::text, f.seq, f.data::text
            from {table} f
            where f.investigation_id = $1
              and f.xid < {FeedHorizon.Sql(settings.Schema)}
              and (f.xid, f.seq) > ($2::text::xid8, $3)
              and not (f.dataset_id = any($4))
              and not (f.record_id = any($5))
              and ($9::uuid is null or f.record_id = $9)
              and {AnnotationSql.ReadableBy("f", "$6", "$7")}
            order by f.xid, f.seq
            limit $8
            """;
        await using var connection = new NpgsqlConnection(settings.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection)
        {
            Parameters =
            {
                new() { Value = investigationId, NpgsqlDbType = NpgsqlDbType.Uuid },
                new() { Value = after.TransactionId.ToString(CultureInfo.InvariantCulture), NpgsqlDbType = NpgsqlDbType.Text },
                new() { Value = after.Sequence, NpgsqlDbType = NpgsqlDbType.Bigint },
                new() { Value = hiddenDatasets, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid },
                new() { Value = hiddenRecords, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid },
                new() { Value = user.OutletId, NpgsqlDbType = NpgsqlDbType.Text },
                new() { Value = user.UserId, NpgsqlDbType = NpgsqlDbType.Text },
                new() { Value = limit + 1, NpgsqlDbType = NpgsqlDbType.Integer },
                new() { Value = recordId is { } r ? r : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid },
            },
        };
        // The caller's role names the verification steps they may take in each view (none for a sync client without one).
        var caller = role is { } callerRole ? new AnnotationReader(user.UserId, callerRole) : null;
        var items = new List<ChangeEntry>(limit);
        var hasMore = false;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                if (items.Count == limit)
                {
                    hasMore = true;
                    break;
                }
                var cursor = new FeedCursor(ulong.Parse(reader.GetString(0), CultureInfo.InvariantCulture), reader.GetInt64(1));
                var annotation = JsonSerializer.Deserialize<Annotation>(reader.GetString(2), Json)!;
                items.Add(new ChangeEntry(cursor.ToString(), cursor.Sequence, ChangeOf(annotation), annotation.ToView(caller)));
            }
        }
        return new ChangesPage(items, items.Count > 0 ? items[^1].Cursor : after.ToString(), hasMore);
    }

    private static string ChangeOf(Annotation annotation) => annotation switch
    {
        { Retracted: true } => "retracted",
        { Version: 1 } => "added",
        _ => "changed",
    };
}
