using System.Runtime.CompilerServices;
using System.Text.Json;
using Consortium.Client;

namespace Consortium.Cli.Mirror;

/// <summary>
/// One object as it stands after a change: a record or an annotation, with its id and version; <see cref="WebAnnotation"/>
/// is an annotation's W3C Web Annotation JSON-LD (null for a record).
/// </summary>
internal sealed record MirrorItem(string Type, Guid Id, long Version, string Change, JsonElement Object, string? WebAnnotation = null, bool Retracted = false);

/// <summary>
/// A page of changes and the cursor that ends it. Cursors are named (one per stream the source reads: the annotations'
/// feed, each dataset's records), and a target stores a page's items and its cursor together.
/// </summary>
internal sealed record MirrorBatch(string CursorName, string Cursor, IReadOnlyList<MirrorItem> Items, long? ExpectedRecords = null);

internal static class MirrorTypes
{
    public const string Record = "record";
    public const string Annotation = "annotation";
}

/// <summary>Where changes come from; the target never knows which API served them.</summary>
internal interface IMirrorSource
{
    /// <summary>Every change after <paramref name="cursors"/> until current, in pages.</summary>
    IAsyncEnumerable<MirrorBatch> ChangesAsync(IReadOnlyDictionary<string, string> cursors, CancellationToken cancellationToken);

    /// <summary>Every change after <paramref name="cursors"/> as it is committed, until cancelled; resumes by itself after a disconnect.</summary>
    IAsyncEnumerable<MirrorBatch> FollowAsync(IReadOnlyDictionary<string, string> cursors, CancellationToken cancellationToken);
}

/// <summary>
/// The source over the feed of every change (<c>GET /api/changes</c>, decision 0026), narrowed to one investigation:
/// annotations come from it as they stood; a dataset created or shared, or an import completed, sends the mirror to
/// that dataset's records after the row it holds (records are imported, never edited, so a row number is a cursor);
/// a record released to the caller's outlet is read and kept. A catch-up also reads every visible dataset's new rows
/// first, so the first run copies everything and no import is missed.
/// </summary>
internal sealed class FeedMirrorSource(ConsortiumClient client, Guid investigationId, Uri server) : IMirrorSource
{
    public const string FeedCursor = "feed";
    private const int RecordPageSize = 500;
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly string[] Types = [ChangeFeedTypes.Annotation, ChangeFeedTypes.Dataset, ChangeFeedTypes.Import, ChangeFeedTypes.Restriction];

    public static string RecordsCursor(Guid datasetId) => $"records:{datasetId}";

    public async IAsyncEnumerable<MirrorBatch> ChangesAsync(IReadOnlyDictionary<string, string> cursors, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var known = new Dictionary<string, string>(cursors);
        // Only the datasets the caller's outlet may see are listed (404 when the investigation is not visible at all).
        foreach (var dataset in await client.ListDatasetsAsync(investigationId, cancellationToken))
        {
            await foreach (var batch in RecordsAsync(dataset.Id, dataset.RecordCount, known, cancellationToken))
            {
                yield return batch;
            }
        }
        var cursor = known.GetValueOrDefault(FeedCursor);
        while (true)
        {
            var page = await client.ReadChangeFeedAsync(cursor, Types, investigationId, cancellationToken: cancellationToken);
            if (page.Cursor != cursor)
            {
                await foreach (var batch in ApplyAsync(page.Items, page.Cursor, known, cancellationToken))
                {
                    yield return batch;
                }
                cursor = page.Cursor;
            }
            if (!page.HasMore)
            {
                yield break;
            }
        }
    }

    public async IAsyncEnumerable<MirrorBatch> FollowAsync(IReadOnlyDictionary<string, string> cursors, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var known = new Dictionary<string, string>(cursors);
        // Server-sent events; the client reconnects after any disconnect and resumes after the last entry it gave.
        var options = new SyncOptions { After = known.GetValueOrDefault(FeedCursor), Types = Types, InvestigationId = investigationId, Follow = SyncFollow.ServerSentEvents };
        await foreach (var entry in client.SyncAsync(options, cancellationToken))
        {
            await foreach (var batch in ApplyAsync([entry], entry.Cursor, known, cancellationToken))
            {
                yield return batch;
            }
        }
    }

    /// <summary>
    /// The batches a run of feed entries makes: records first (each dataset's with its own cursor), then the
    /// annotations and released records with the feed cursor, so the feed cursor is stored only after all it covers.
    /// </summary>
    private async IAsyncEnumerable<MirrorBatch> ApplyAsync(IReadOnlyList<ChangeFeedEntry> entries, string cursor, Dictionary<string, string> known,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var items = new List<MirrorItem>();
        foreach (var entry in entries)
        {
            switch (entry.Type)
            {
                case ChangeFeedTypes.Annotation:
                    items.Add(Annotation(entry.Object.Deserialize<AnnotationView>(Json)!, entry.Change));
                    break;
                case ChangeFeedTypes.Dataset:
                    var dataset = entry.Object.Deserialize<DatasetView>(Json)!;
                    await foreach (var batch in RecordsAsync(dataset.Id, dataset.RecordCount, known, cancellationToken))
                    {
                        yield return batch;
                    }
                    break;
                case ChangeFeedTypes.Import:
                    var import = entry.Object.Deserialize<ImportFeedView>(Json)!;
                    await foreach (var batch in RecordsAsync(import.Job.DatasetId, null, known, cancellationToken))
                    {
                        yield return batch;
                    }
                    break;
                case ChangeFeedTypes.Restriction when entry.Object.Deserialize<RestrictionFeedView>(Json) is { } restriction:
                    try
                    {
                        var record = await client.GetRecordAsync(restriction.RecordId, cancellationToken);
                        items.Add(Record(record));
                    }
                    catch (ConsortiumProblemException e) when (e.Status == System.Net.HttpStatusCode.NotFound)
                    {
                        // Not (or no longer) visible to the caller: nothing to keep.
                    }
                    break;
            }
        }
        known[FeedCursor] = cursor;
        yield return new MirrorBatch(FeedCursor, cursor, items);
    }

    private async IAsyncEnumerable<MirrorBatch> RecordsAsync(Guid datasetId, long? expected, Dictionary<string, string> known, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var name = RecordsCursor(datasetId);
        var after = known.TryGetValue(name, out var stored) ? long.Parse(stored, System.Globalization.CultureInfo.InvariantCulture) : 0;
        while (true)
        {
            var page = await client.ListRecordsAsync(datasetId, after, RecordPageSize, cancellationToken: cancellationToken);
            if (page.Items.Count == 0)
            {
                yield break;
            }
            after = page.Items[^1].RowNumber;
            known[name] = after.ToString(System.Globalization.CultureInfo.InvariantCulture);
            yield return new MirrorBatch(name, known[name], page.Items.Select(Record).ToList(), expected);
            if (page.Next is null)
            {
                yield break;
            }
        }
    }

    private static MirrorItem Record(RecordView record) => new(MirrorTypes.Record, record.Id, 1, "added", JsonSerializer.SerializeToElement(record, Json));

    private MirrorItem Annotation(AnnotationView annotation, string change) =>
        new(MirrorTypes.Annotation, annotation.Id, annotation.Version, change, JsonSerializer.SerializeToElement(annotation, Json),
            WebAnnotations.Annotation(annotation, server).ToJsonString(), annotation.Retracted);
}
