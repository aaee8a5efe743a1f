using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Consortium.Client;

namespace Consortium.Cli.Mirror;

/// <summary>
/// A folder: <c>records.jsonl</c> and <c>annotations.jsonl</c> (each object as the API serves it, one a line, the
/// latest version of each), <c>annotations.jsonld</c> (the annotations not retracted, as a W3C Web Annotation
/// collection) and <c>mirror-state.json</c> (the cursors). Each file is rewritten whole through a temporary file and a
/// rename, so a reader never sees half a file; the cursors are written last, so a crash repeats work and loses none.
/// A file whose content did not change is not rewritten.
/// </summary>
internal sealed class FolderMirrorTarget : IMirrorTarget
{
    public const string RecordsFile = "records.jsonl";
    public const string AnnotationsFile = "annotations.jsonl";
    public const string WebAnnotationsFile = "annotations.jsonld";
    public const string StateFile = "mirror-state.json";
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    private readonly DirectoryInfo folder;
    private readonly Guid investigationId;
    private readonly Uri server;
    private readonly Dictionary<string, Dictionary<Guid, (long Version, string Line, string? WebAnnotation, bool Retracted)>> objects = new()
    {
        [MirrorTypes.Record] = [],
        [MirrorTypes.Annotation] = [],
    };
    private readonly HashSet<string> dirty = [];
    private Dictionary<string, string> cursors = [];
    private bool cursorsChanged;

    private FolderMirrorTarget(DirectoryInfo folder, Guid investigationId, Uri server)
    {
        this.folder = folder;
        this.investigationId = investigationId;
        this.server = server;
    }

    public static async Task<FolderMirrorTarget> OpenAsync(DirectoryInfo folder, Guid investigationId, Uri server, CancellationToken cancellationToken)
    {
        try
        {
            folder.Create();
            var target = new FolderMirrorTarget(folder, investigationId, server);
            await target.LoadAsync(cancellationToken);
            return target;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            throw new MirrorTargetException($"the folder {folder.FullName} cannot be used: {e.Message}", e);
        }
    }

    public Task<Dictionary<string, string>> LoadCursorsAsync(CancellationToken cancellationToken) => Task.FromResult(new Dictionary<string, string>(cursors));

    public Task<int> ApplyAsync(MirrorBatch batch, CancellationToken cancellationToken)
    {
        var changed = 0;
        foreach (var item in batch.Items)
        {
            var held = objects[item.Type];
            if (held.TryGetValue(item.Id, out var current) && current.Version >= item.Version)
            {
                continue;
            }
            held[item.Id] = (item.Version, item.Object.GetRawText(), item.WebAnnotation, item.Retracted);
            dirty.Add(item.Type);
            changed++;
        }
        if (cursors.GetValueOrDefault(batch.CursorName) != batch.Cursor)
        {
            cursors[batch.CursorName] = batch.Cursor;
            cursorsChanged = true;
        }
        return Task.FromResult(changed);
    }

    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        try
        {
            if (dirty.Remove(MirrorTypes.Record))
            {
                await WriteAsync(RecordsFile, Lines(MirrorTypes.Record), cancellationToken);
            }
            if (dirty.Remove(MirrorTypes.Annotation))
            {
                await WriteAsync(AnnotationsFile, Lines(MirrorTypes.Annotation), cancellationToken);
                await WriteAsync(WebAnnotationsFile, WebAnnotationCollection(), cancellationToken);
            }
            if (cursorsChanged)
            {
                var state = new JsonObject
                {
                    ["investigationId"] = investigationId,
                    ["server"] = server.AbsoluteUri,
                    ["cursors"] = new JsonObject(cursors.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => KeyValuePair.Create(c.Key, (JsonNode?)c.Value))),
                };
                await WriteAsync(StateFile, state.ToJsonString(Indented) + "\n", cancellationToken);
                cursorsChanged = false;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new MirrorTargetException($"cannot write to {folder.FullName}: {e.Message}", e);
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private string Lines(string type)
    {
        var text = new StringBuilder();
        foreach (var (_, (_, line, _, _)) in objects[type])
        {
            text.Append(line).Append('\n');
        }
        return text.ToString();
    }

    private string WebAnnotationCollection()
    {
        var items = objects[MirrorTypes.Annotation].Values
            .Where(a => !a.Retracted && a.WebAnnotation is not null)
            .Select(a =>
            {
                var annotation = JsonNode.Parse(a.WebAnnotation!)!.AsObject();
                annotation.Remove("@context");
                return (JsonNode)annotation;
            })
            .ToArray();
        var collection = new JsonObject
        {
            ["@context"] = WebAnnotations.Context(server),
            ["id"] = new Uri(server, $"api/investigations/{investigationId}/annotations/").AbsoluteUri,
            ["type"] = "AnnotationCollection",
            ["label"] = "Local mirror of the investigation's annotations",
            ["total"] = items.Length,
            ["first"] = new JsonObject { ["type"] = "AnnotationPage", ["startIndex"] = 0, ["items"] = new JsonArray(items) },
        };
        return collection.ToJsonString(Indented) + "\n";
    }

    private async Task WriteAsync(string name, string content, CancellationToken cancellationToken)
    {
        var path = Path.Combine(folder.FullName, name);
        var temporary = path + $".{Environment.ProcessId}.tmp";
        await File.WriteAllTextAsync(temporary, content, new UTF8Encoding(false), cancellationToken);
        File.Move(temporary, path, overwrite: true);
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        var statePath = Path.Combine(folder.FullName, StateFile);
        if (File.Exists(statePath))
        {
            var state = JsonNode.Parse(await File.ReadAllTextAsync(statePath, cancellationToken))!;
            if (state["investigationId"]?.GetValue<Guid>() is { } stored && stored != investigationId)
            {
                throw new MirrorTargetException($"{folder.FullName} mirrors investigation {stored}, not {investigationId}: give each investigation its own folder.");
            }
            cursors = state["cursors"]!.AsObject().ToDictionary(c => c.Key, c => c.Value!.GetValue<string>());
        }
        await LoadLinesAsync(RecordsFile, MirrorTypes.Record, cancellationToken);
        await LoadLinesAsync(AnnotationsFile, MirrorTypes.Annotation, cancellationToken);
    }

    private async Task LoadLinesAsync(string name, string type, CancellationToken cancellationToken)
    {
        var path = Path.Combine(folder.FullName, name);
        if (!File.Exists(path))
        {
            return;
        }
        foreach (var line in await File.ReadAllLinesAsync(path, cancellationToken))
        {
            if (line.Length == 0)
            {
                continue;
            }
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            var version = root.TryGetProperty("version", out var v) ? v.GetInt64() : 1;
            string? webAnnotation = null;
            var retracted = false;
            if (type == MirrorTypes.Annotation)
            {
                var view = root.Deserialize<AnnotationView>(Web)!;
                webAnnotation = WebAnnotations.Annotation(view, server).ToJsonString();
                retracted = view.Retracted;
            }
            objects[type][root.GetProperty("id").GetGuid()] = (version, line, webAnnotation, retracted);
        }
    }
}
