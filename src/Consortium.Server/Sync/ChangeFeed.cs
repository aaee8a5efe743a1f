using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Consortium.Client;
using Consortium.Server.Access;
using Consortium.Server.Annotations;
using Consortium.Server.Identity;
using Consortium.Server.Records;
using Consortium.Server.Storage;
using Marten;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using HttpJsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

namespace Consortium.Server.Sync;

/// <summary>
/// Reads the feed of every change for one reader: rows of <c>change_feed</c> in (transaction id, sequence) order, only
/// from transactions no longer running (decision 0014's guarantee), filtered now by the reader's investigations,
/// compartments, record restrictions and the annotation visibility rule (its SQL twin), then rendered as REST views.
/// Types owned by another area (the embargo desk) are rendered, and filtered by participation, by that area's
/// <see cref="IChangeFeedRenderer"/>.
/// </summary>
public sealed class ChangeFeed(StorageSettings settings, IQuerySession session, TimeProvider clock, IEnumerable<IChangeFeedRenderer> renderers,
    IOptions<HttpJsonOptions> json) : IChangeFeed
{
    private readonly JsonSerializerOptions wire = json.Value.SerializerOptions;

    public async Task<ChangeFeedPage> ReadAsync(FeedReader reader, FeedQuery query, CancellationToken cancellationToken)
    {
        var page = await ReadViewsAsync(reader, query, cancellationToken);
        return new ChangeFeedPage(page.Items.Select(e => new ChangeFeedEntry(e.Cursor, e.Type, e.ObjectId, e.Version, e.Change, e.InvestigationId,
            JsonSerializer.SerializeToElement(e.Object, e.Object.GetType(), wire))).ToList(), page.Cursor, page.HasMore);
    }

    /// <summary>
    /// As <see cref="ReadAsync"/>, with each object left as its REST view: the HTTP feed serializes it once, straight into
    /// the response, rather than into a <see cref="JsonElement"/> first and then again into the response.
    /// </summary>
    public async Task<ChangeFeedViewPage> ReadViewsAsync(FeedReader reader, FeedQuery query, CancellationToken cancellationToken)
    {
        var user = new ConsortiumUser(reader.UserId ?? "", "", reader.OutletId, IsSyncClient: reader.UserId is null);
        // The horizon is taken before the access state is read: every row served then comes from a transaction that ended
        // before that state was read, so a change that hides it (a compartment, a restriction) is never older than the state
        // it is judged by. Taken after, a row committed between the two reads would be judged by the state before it.
        await using var connection = new NpgsqlConnection(settings.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        var (horizon, candidates, allDatasets, allRestrictions) = await ReadAccessStateAsync(connection, reader, query, cancellationToken);
        var now = clock.GetUtcNow();
        var roles = candidates.Select(i => (i.Id, Role: i.RoleOf(user, now))).Where(x => x.Role is not null).ToDictionary(x => x.Id, x => x.Role!.Value);
        if (roles.Count == 0)
        {
            return new ChangeFeedViewPage([], query.After.ToString(), false);
        }
        var investigationIds = roles.Keys.ToArray();
        // Only the datasets of investigations the reader has a role in, as before (the batch read those of every candidate).
        var datasets = allDatasets.Where(d => roles.ContainsKey(d.InvestigationId)).ToList();
        var hiddenDatasets = datasets.Where(d => !d.IsSharedWith(reader.OutletId)).Select(d => d.Id).ToArray();
        var datasetIds = datasets.Select(d => d.Id).ToHashSet();
        var hiddenRecords = allRestrictions.Where(r => datasetIds.Contains(r.DatasetId) && !r.OutletIds.Contains(reader.OutletId)).Select(r => r.Id).ToArray();

        // Annotations (nearly every entry of a catch-up) are rendered as their rows arrive, while PostgreSQL is still
        // producing the rest of the page on the other core, rather than after the whole page has been read.
        var serializer = session.DocumentStore.Options.Serializer();
        var buffer = new ArrayBufferWriter<byte>(4096);
        using var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = wire.Encoder, SkipValidation = true });
        var rendered = new List<object?>(Math.Min(query.Limit + 1, 1024));
        var rows = await ReadRowsAsync(connection, horizon, reader, query, investigationIds, hiddenDatasets, hiddenRecords,
            row => rendered.Add(row.Type == ChangeFeedTypes.Annotation ? RenderAnnotation(serializer, row, reader, roles, buffer, writer) : null), cancellationToken);
        var hasMore = rows.Count > query.Limit;
        if (hasMore)
        {
            rows.RemoveAt(rows.Count - 1);
        }
        var objects = await RenderAsync(reader, rows, rendered, roles, cancellationToken);
        var items = new List<ChangeFeedView>(rows.Count);
        for (var i = 0; i < rows.Count; i++)
        {
            if (objects[i] is { } view)
            {
                var row = rows[i];
                items.Add(new ChangeFeedView(row.Cursor.ToString(), row.Type, row.ObjectId, row.Version, row.Change, row.InvestigationId, view));
            }
        }
        // The cursor moves past rows left out by a renderer too: they are not the reader's, now or on a later read.
        var cursor = rows.Count > 0 ? rows[^1].Cursor : query.After;
        return new ChangeFeedViewPage(items, cursor.ToString(), hasMore);
    }

    /// <summary>A row of the feed, its object still the stored JSON's UTF-8 (as read: most of it is copied, not decoded).</summary>
    private sealed record Row(FeedCursor Cursor, string Type, string ObjectId, long Version, string Change, Guid? InvestigationId, byte[] Data)
    {
        public StoredChange ToStored() => new(Type, ObjectId, Version, Change, InvestigationId, System.Text.Encoding.UTF8.GetString(Data));
    }

    /// <summary>
    /// The horizon, then what the reader sees as of now (the candidate investigations, their datasets and the restrictions
    /// in those), in one round trip: a page's reads of its access state were four, each a wait on a busy machine (issue 19).
    /// Each statement of the batch takes its own snapshot after the one before, so the horizon still comes first. Plain SQL
    /// rather than Marten's LINQ, which parses (and compiles delegates for) each query anew at every call.
    /// </summary>
    private async Task<(string Horizon, List<Investigation> Investigations, List<Dataset> Datasets, List<RecordRestriction> Restrictions)> ReadAccessStateAsync(
        NpgsqlConnection connection, FeedReader reader, FeedQuery query, CancellationToken cancellationToken)
    {
        var s = settings.Schema;
        // The predicates the LINQ queries had: by id, or memberOutletIds containing the outlet.
        var investigations = query.InvestigationId is null
            ? $"select i.id from {s}.mt_doc_investigation i where i.data @> jsonb_build_object('memberOutletIds', jsonb_build_array($1::text))"
            : $"select i.id from {s}.mt_doc_investigation i where i.id = $2 and $1::text is not null";
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand($"select {FeedHorizon.Sql(s)}::text"),
                new NpgsqlBatchCommand($"select d.data from {s}.mt_doc_investigation d where d.id in ({investigations})"),
                new NpgsqlBatchCommand($"select d.data from {s}.mt_doc_dataset d where CAST(d.data ->> 'investigationId' as uuid) in ({investigations})"),
                new NpgsqlBatchCommand($"select r.data from {s}.mt_doc_recordrestriction r where CAST(r.data ->> 'datasetId' as uuid) in " +
                    $"(select d.id from {s}.mt_doc_dataset d where CAST(d.data ->> 'investigationId' as uuid) in ({investigations}))"),
            },
        };
        for (var i = 1; i < batch.BatchCommands.Count; i++)
        {
            batch.BatchCommands[i].Parameters.Add(new() { Value = reader.OutletId, NpgsqlDbType = NpgsqlDbType.Text });
            batch.BatchCommands[i].Parameters.Add(new() { Value = (object?)query.InvestigationId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid });
        }
        var serializer = session.DocumentStore.Options.Serializer();
        await using var result = await batch.ExecuteReaderAsync(cancellationToken);
        await result.ReadAsync(cancellationToken);
        var horizon = result.GetString(0);
        async Task<List<T>> DocumentsAsync<T>()
        {
            await result.NextResultAsync(cancellationToken);
            var documents = new List<T>();
            while (await result.ReadAsync(cancellationToken))
            {
                documents.Add(serializer.FromJson<T>(new MemoryStream(result.GetFieldValue<byte[]>(0))));
            }
            return documents;
        }
        return (horizon, await DocumentsAsync<Investigation>(), await DocumentsAsync<Dataset>(), await DocumentsAsync<RecordRestriction>());
    }

    private async Task<List<Row>> ReadRowsAsync(NpgsqlConnection connection, string horizon, FeedReader reader, FeedQuery query, Guid[] investigationIds,
        Guid[] hiddenDatasets, Guid[] hiddenRecords, Action<Row> arrived, CancellationToken cancellationToken)
    {
        // xid < the horizon (FeedHorizon, of a snapshot taken before the access state was read): every transaction of
        // this database with a smaller id has ended, so no row can appear later below the cursor (decision 0014). Membership rows are per outlet: a reader reads its own.
        // A restriction or compartment is judged on the entry's own outlets too, not only on today's: a record restricted
        // to others and later released (or opened to the reader) must not show whom it was restricted to before.
        // One investigation walks its own index in order; several walk the table's order and filter.
        var investigations = investigationIds.Length == 1 ? "f.investigation_id = ($3::uuid[])[1]" : "f.investigation_id = any($3)";
        var sql = $"""
            select f.xid::text, f.seq, f.type, f.object_id, f.version, f.change, f.investigation_id, f.data
            from {settings.Schema}.change_feed f
            where f.xid < $10::text::xid8
              and (f.xid, f.seq) > ($1::text::xid8, $2)
              and {investigations}
              and ($4::text[] is null or f.type = any($4))
              and (f.dataset_id is null or not (f.dataset_id = any($5)))
              and (f.record_id is null or not (f.record_id = any($6)))
              and (f.type <> 'annotation' or {AnnotationSql.ReadableBy("f", "$7", "$8")})
              and (f.type <> 'membership' or f.data ->> 'outletId' = $7)
              and (f.type <> 'restriction' or f.change = 'released' or coalesce(f.data -> 'outletIds', '[]'::jsonb) ? $7)
              and (f.type <> 'dataset' or jsonb_typeof(f.data -> 'sharedWithOutletIds') is distinct from 'array' or f.data -> 'sharedWithOutletIds' ? $7)
            order by f.xid, f.seq
            limit $9
            """;
        await using var command = new NpgsqlCommand(sql, connection)
        {
            Parameters =
            {
                new() { Value = query.After.TransactionId.ToString(CultureInfo.InvariantCulture), NpgsqlDbType = NpgsqlDbType.Text },
                new() { Value = query.After.Sequence, NpgsqlDbType = NpgsqlDbType.Bigint },
                new() { Value = investigationIds, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid },
                new() { Value = query.Types is { Count: > 0 } types ? types.ToArray() : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text },
                new() { Value = hiddenDatasets, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid },
                new() { Value = hiddenRecords, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid },
                new() { Value = reader.OutletId, NpgsqlDbType = NpgsqlDbType.Text },
                // An outlet-level reader matches no author: never a private note.
                new() { Value = (object?)reader.UserId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text },
                new() { Value = query.Limit + 1, NpgsqlDbType = NpgsqlDbType.Integer },
                new() { Value = horizon, NpgsqlDbType = NpgsqlDbType.Text },
            },
        };
        var rows = new List<Row>(Math.Min(query.Limit + 1, 1024));
        await using var result = await command.ExecuteReaderAsync(cancellationToken);
        while (await result.ReadAsync(cancellationToken))
        {
            var cursor = new FeedCursor(ulong.Parse(result.GetString(0), CultureInfo.InvariantCulture), result.GetInt64(1));
            // jsonb read as bytes is its JSON text in UTF-8, as PostgreSQL writes it out (no string in between).
            var row = new Row(cursor, result.GetString(2), result.GetString(3), result.GetInt64(4), result.GetString(5),
                result.IsDBNull(6) ? null : result.GetGuid(6), result.GetFieldValue<byte[]>(7));
            rows.Add(row);
            arrived(row);
        }
        return rows;
    }

    private async Task<object?[]> RenderAsync(FeedReader reader, List<Row> rows, List<object?> rendered, Dictionary<Guid, InvestigationRole> roles,
        CancellationToken cancellationToken)
    {
        var objects = new object?[rows.Count];
        var serializer = session.DocumentStore.Options.Serializer();
        var delegated = new Dictionary<IChangeFeedRenderer, List<int>>();
        for (var i = 0; i < rows.Count; i++)
        {
            var row = rows[i];
            object? view = row.Type switch
            {
                ChangeFeedTypes.Annotation => rendered[i],
                ChangeFeedTypes.Dataset => serializer.FromJson<Dataset>(new MemoryStream(row.Data)).ToView(),
                ChangeFeedTypes.Restriction => RenderRestriction(row.ToStored(), reader, roles),
                ChangeFeedTypes.Import => RenderImport(serializer, row.ToStored().Data),
                ChangeFeedTypes.Membership => RenderMembership(serializer, row.ToStored().Data),
                _ => null,
            };
            if (view is not null)
            {
                objects[i] = view;
            }
            else if (renderers.FirstOrDefault(r => r.Types.Contains(row.Type)) is { } renderer)
            {
                if (!delegated.TryGetValue(renderer, out var indexes))
                {
                    delegated[renderer] = indexes = [];
                }
                indexes.Add(i);
            }
        }
        foreach (var (renderer, indexes) in delegated)
        {
            var views = await renderer.RenderAsync(reader, indexes.Select(i => rows[i].ToStored()).ToList(), cancellationToken);
            for (var k = 0; k < indexes.Count; k++)
            {
                objects[indexes[k]] = views[k];
            }
        }
        return objects;
    }

    private static MemoryStream Stream(string data) => new(System.Text.Encoding.UTF8.GetBytes(data));

    private object RenderAnnotation(Marten.ISerializer serializer, Row row, FeedReader reader, Dictionary<Guid, InvestigationRole> roles,
        ArrayBufferWriter<byte> buffer, Utf8JsonWriter writer)
    {
        // The reader's role names the verification steps they may take (none for an outlet-level reader).
        var caller = reader.UserId is { } userId && row.InvestigationId is { } id && roles.TryGetValue(id, out var role) ? new AnnotationReader(userId, role) : null;
        buffer.ResetWrittenCount();
        writer.Reset(buffer);
        if (AnnotationViewJson.TryWrite(writer, row.Data, caller, (json, type) => serializer.FromJson(type, new MemoryStream(json)), wire))
        {
            writer.Flush();
            return new RawJsonObject(buffer.WrittenSpan.ToArray());
        }
        return serializer.FromJson<Annotation>(new MemoryStream(row.Data)).ToView(caller);
    }

    private RestrictionFeedView RenderRestriction(StoredChange change, FeedReader reader, Dictionary<Guid, InvestigationRole> roles)
    {
        var restriction = JsonSerializer.Deserialize<RestrictionFeedView>(change.Data, wire)!;
        // Who else a record is restricted to is the coordinators' knowledge (only they set and read it over REST): any
        // other reader learns that its own outlet is let in, not which other outlets are.
        var coordinator = change.InvestigationId is { } id && roles.TryGetValue(id, out var role) && role == InvestigationRole.Coordinator;
        return coordinator || restriction.OutletIds is null ? restriction : restriction with { OutletIds = [reader.OutletId] };
    }

    private static ImportFeedView RenderImport(Marten.ISerializer serializer, string data)
    {
        using var document = JsonDocument.Parse(data);
        var job = serializer.FromJson<ImportJob>(Stream(document.RootElement.GetProperty("job").GetRawText()));
        static long? Row(JsonElement root, string name) => root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetInt64() : null;
        return new ImportFeedView(job.ToView(), Row(document.RootElement, "firstRow"), Row(document.RootElement, "lastRow"));
    }

    private static MembershipFeedView RenderMembership(Marten.ISerializer serializer, string data)
    {
        using var document = JsonDocument.Parse(data);
        var root = document.RootElement;
        var people = serializer.FromJson<List<Membership>>(Stream(root.GetProperty("people").GetRawText()));
        return new MembershipFeedView(root.GetProperty("investigationId").GetGuid(), root.GetProperty("outletId").GetString()!, root.GetProperty("member").GetBoolean(),
            people.Select(p => p.ToView()).ToList());
    }
}

/// <summary>A feed entry whose object is still its REST view (serialized with its runtime type: the same JSON as <see cref="ChangeFeedEntry"/>).</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1720", Justification = "The wire name partners read: the object as it stood.")]
public sealed record ChangeFeedView(string Cursor, string Type, string ObjectId, long Version, string Change, Guid? InvestigationId, object Object);

/// <summary>A page of <see cref="ChangeFeedView"/>: the same JSON as <see cref="ChangeFeedPage"/>.</summary>
public sealed record ChangeFeedViewPage(IReadOnlyList<ChangeFeedView> Items, string Cursor, bool HasMore);
