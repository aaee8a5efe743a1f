using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Consortium.Client;
using Consortium.Server.Audit;
using Consortium.Server.Hosting;
using Consortium.Server.Identity;
using Consortium.Server.Access;
using Consortium.Server.Storage;
using Marten;
using Microsoft.AspNetCore.Mvc;
using Npgsql;
using NpgsqlTypes;

namespace Consortium.Server.Publication;

/// <summary>
/// A story's publication package once its embargo is lifted: the records, identifications and verification outcomes
/// it names that the caller may see, as CSV, JSON Lines or W3C Web Annotation JSON-LD. Before the lift: 403 naming
/// the instant. Every export is audited.
/// </summary>
public static class ExportPackage
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private sealed record Item(string Type, Guid RecordId, Guid? AnnotationId, RecordView? Record, JsonElement? Annotation);

    public static async Task<IResult> Handle(Guid storyId, string? format, HttpContext http, PublicationAccess access, AccessPolicy policy, IQuerySession session,
        StorageSettings settings, AuditLog audit, CancellationToken cancellationToken)
    {
        var user = ConsortiumUser.From(http.User);
        if (await access.StoryAsync(user, storyId, cancellationToken) is not { } granted
            || await session.LoadAsync<PublicationWave>(granted.Item.WaveId, cancellationToken) is not { } wave)
        {
            return Problems.NotFound("story");
        }
        var kind = (format ?? "jsonl").ToLowerInvariant();
        if (kind is not ("csv" or "jsonl" or "jsonld"))
        {
            return PlanPublication.Invalid("format", "format is csv, jsonl or jsonld.");
        }
        if (!wave.IsLifted)
        {
            return TypedResults.Problem(new ProblemDetails
            {
                Type = "https://consortium.example/problems/under-embargo",
                Title = "Under embargo",
                Status = StatusCodes.Status403Forbidden,
                Detail = $"The package of this story is released when its embargo is lifted, at {EmbargoTimes.Describe(wave.Embargo.Utc, wave.Embargo.Zone)} ({wave.State}).",
                Extensions = { ["embargo"] = wave.Embargo.Utc, ["zone"] = wave.Embargo.Zone, ["localTime"] = wave.Embargo.LocalTime, ["state"] = wave.State },
            });
        }
        var items = await CollectAsync(granted.Item, user, policy, settings, cancellationToken);
        await audit.RecordAsync(http, new AuditSubject("publication.package-exported", granted.Item.InvestigationId, "story", storyId.ToString(), $"{kind}, {items.Count} items"), cancellationToken);
        var baseUri = $"{http.Request.Scheme}://{http.Request.Host}";
        return kind switch
        {
            "csv" => TypedResults.Text(Csv(items), "text/csv; charset=utf-8"),
            "jsonl" => TypedResults.Text(string.Concat(items.Select(i => JsonLine(i) + "\n")), "application/x-ndjson; charset=utf-8"),
            _ => TypedResults.Text(WebAnnotations(granted.Item, items, baseUri).ToJsonString(), "application/ld+json; profile=\"http://www.w3.org/ns/anno.jsonld\"; charset=utf-8"),
        };
    }

    private static async Task<List<Item>> CollectAsync(PublicationStory story, ConsortiumUser user, AccessPolicy policy, StorageSettings settings, CancellationToken cancellationToken)
    {
        var items = new List<Item>();
        var records = new Dictionary<Guid, RecordView?>();
        async Task<RecordView?> RecordAsync(Guid id)
        {
            if (!records.TryGetValue(id, out var view))
            {
                // The one access rule: compartments, restrictions and membership as of now.
                records[id] = view = (await policy.RecordAsync(user, id, cancellationToken))?.Item.Record.ToView();
            }
            return view;
        }
        foreach (var recordId in story.Material.RecordIds ?? [])
        {
            if (await RecordAsync(recordId) is { } record)
            {
                items.Add(new Item("record", recordId, null, record, null));
            }
        }
        var annotationIds = (story.Material.AnnotationIds ?? []).ToArray();
        if (annotationIds.Length == 0)
        {
            return items;
        }
        await using var connection = new NpgsqlConnection(settings.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"select data::text from {settings.Schema}.mt_doc_annotation where id = any($1)", connection)
        {
            Parameters = { new() { Value = annotationIds, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid } },
        };
        var annotations = new List<JsonElement>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                annotations.Add(JsonDocument.Parse(reader.GetString(0)).RootElement.Clone());
            }
        }
        foreach (var a in annotations)
        {
            var kind = a.GetProperty("kind").GetString();
            if (kind is not (AnnotationKinds.Identification or AnnotationKinds.Verification) || !MayRead(a, user))
            {
                continue;
            }
            var recordId = a.GetProperty("recordId").GetGuid();
            if (await RecordAsync(recordId) is null)
            {
                continue;
            }
            items.Add(new Item(kind, recordId, a.GetProperty("id").GetGuid(), null, a));
        }
        return items;
    }

    /// <summary>
    /// The annotation's own visibility, read from its stored state by the one rule of the Access room; a retracted
    /// annotation is no longer part of any package.
    /// </summary>
    private static bool MayRead(JsonElement a, ConsortiumUser user) =>
        !(a.TryGetProperty("retracted", out var retracted) && retracted.ValueKind == JsonValueKind.True)
        && AnnotationVisibility.FromStored(a) is { } visibility && visibility.Admits(user);

    private static string? Text(JsonElement? e, string parent, string property) =>
        e is { } a && a.TryGetProperty(parent, out var p) && p.ValueKind == JsonValueKind.Object && p.TryGetProperty(property, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static string JsonLine(Item i) => i.Type == "record"
        ? JsonSerializer.Serialize(new { type = "record", recordId = i.RecordId, record = i.Record }, Json)
        : JsonSerializer.Serialize(new { type = i.Type, recordId = i.RecordId, annotationId = i.AnnotationId, identification = Property(i.Annotation, "identification"), verification = Property(i.Annotation, "verification") }, Json);

    private static JsonElement? Property(JsonElement? e, string name) => e is { } a && a.TryGetProperty(name, out var p) && p.ValueKind != JsonValueKind.Null ? p : null;

    private static string Csv(List<Item> items)
    {
        var csv = new StringBuilder("type,record_id,annotation_id,phone_e164,country,person,role,confidence,verification_state,tool,values\r\n");
        foreach (var i in items)
        {
            string?[] cells =
            [
                i.Type, i.RecordId.ToString(), i.AnnotationId?.ToString(), i.Record?.PhoneE164, i.Record?.Country,
                Text(i.Annotation, "identification", "person"), Text(i.Annotation, "identification", "role"), Text(i.Annotation, "identification", "confidence"),
                Text(i.Annotation, "verification", "state"), Text(i.Annotation, "verification", "tool"),
                i.Record is null ? null : JsonSerializer.Serialize(i.Record.Values, Json),
            ];
            csv.Append(string.Join(',', cells.Select(Cell))).Append("\r\n");
        }
        return csv.ToString();
    }

    // Quoted, and a cell a spreadsheet would run as a formula starts with an apostrophe (like the records export).
    private static string Cell(string? value)
    {
        value ??= "";
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
        {
            value = "'" + value;
        }
        return "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }

    /// <summary>An AnnotationCollection (W3C Web Annotation Data Model) with one page: each identification or verification targets its record.</summary>
    private static JsonObject WebAnnotations(PublicationStory story, List<Item> items, string baseUri)
    {
        var annotations = new JsonArray();
        foreach (var i in items.Where(i => i.Annotation is not null))
        {
            var a = i.Annotation!.Value;
            var identifying = i.Type == AnnotationKinds.Identification;
            var value = identifying
                ? $"{Text(a, "identification", "person")} ({Text(a, "identification", "role") ?? "role unknown"}), confidence {Text(a, "identification", "confidence")}"
                : $"Verification: {Text(a, "verification", "state")}{(Text(a, "verification", "tool") is { } tool ? $" ({tool})" : "")}";
            annotations.Add(new JsonObject
            {
                ["id"] = $"{baseUri}/api/annotations/{i.AnnotationId}",
                ["type"] = "Annotation",
                ["motivation"] = identifying ? "identifying" : "assessing",
                ["created"] = a.TryGetProperty("createdAt", out var created) ? created.GetString() : null,
                ["creator"] = new JsonObject { ["type"] = "Person", ["name"] = a.TryGetProperty("authorName", out var name) ? name.GetString() : null },
                ["body"] = new JsonObject { ["type"] = "TextualBody", ["purpose"] = identifying ? "identifying" : "assessing", ["format"] = "text/plain", ["value"] = value },
                ["target"] = $"{baseUri}/api/records/{i.RecordId}",
            });
        }
        var records = new JsonArray(items.Where(i => i.Record is not null).Select(i => (JsonNode)JsonValue.Create($"{baseUri}/api/records/{i.RecordId}")!).ToArray());
        return new JsonObject
        {
            ["@context"] = "http://www.w3.org/ns/anno.jsonld",
            ["id"] = $"{baseUri}/api/publication/stories/{story.Id}/package?format=jsonld",
            ["type"] = "AnnotationCollection",
            ["label"] = story.Title,
            ["total"] = annotations.Count,
            ["consortium:records"] = records,
            ["first"] = new JsonObject { ["type"] = "AnnotationPage", ["startIndex"] = 0, ["items"] = annotations },
        };
    }
}
