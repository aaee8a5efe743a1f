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
}

/// <summary>
/// The source over today's API: each dataset's records in row order (records are imported, never edited, so a row
/// number is a cursor), then the investigation's annotation changes feed from its cursor.
/// </summary>
internal sealed class ApiMirrorSource(ConsortiumClient client, Guid investigationId, Uri server) : IMirrorSource
{
    public const string AnnotationsCursor = "annotations";
    private const int RecordPageSize = 500;
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static string RecordsCursor(Guid datasetId) => $"records:{datasetId}";

    public async IAsyncEnumerable<MirrorBatch> ChangesAsync(IReadOnlyDictionary<string, string> cursors, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // Only the datasets the caller's outlet may see are listed, and only the records it may see in them.
        foreach (var dataset in await client.ListDatasetsAsync(investigationId, cancellationToken))
        {
            var name = RecordsCursor(dataset.Id);
            var after = cursors.TryGetValue(name, out var stored) ? long.Parse(stored, System.Globalization.CultureInfo.InvariantCulture) : 0;
            while (true)
            {
                var page = await client.ListRecordsAsync(dataset.Id, after, RecordPageSize, cancellationToken: cancellationToken);
                if (page.Items.Count == 0)
                {
                    break;
                }
                after = page.Items[^1].RowNumber;
                var items = page.Items.Select(r => new MirrorItem(MirrorTypes.Record, r.Id, 1, "added", JsonSerializer.SerializeToElement(r, Json))).ToList();
                yield return new MirrorBatch(name, after.ToString(System.Globalization.CultureInfo.InvariantCulture), items, dataset.RecordCount);
                if (page.Next is null)
                {
                    break;
                }
            }
        }
        var cursor = cursors.GetValueOrDefault(AnnotationsCursor);
        while (true)
        {
            var page = await client.ReadChangesAsync(investigationId, cursor, cancellationToken: cancellationToken);
            if (page.Items.Count > 0)
            {
                cursor = page.Cursor;
                yield return new MirrorBatch(AnnotationsCursor, cursor, page.Items.Select(e => Annotation(e.Annotation, e.Change)).ToList());
            }
            if (!page.HasMore)
            {
                yield break;
            }
        }
    }

    private MirrorItem Annotation(AnnotationView annotation, string change) =>
        new(MirrorTypes.Annotation, annotation.Id, annotation.Version, change, JsonSerializer.SerializeToElement(annotation, Json),
            WebAnnotations.Annotation(annotation, server).ToJsonString(), annotation.Retracted);
}
