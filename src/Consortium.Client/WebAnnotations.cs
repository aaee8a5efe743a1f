using System.Globalization;
using System.Text.Json.Nodes;

namespace Consortium.Client;

/// <summary>
/// Annotations as W3C Web Annotation JSON-LD (Web Annotation Data Model, context <see cref="W3CContext"/>), with
/// Consortium's extension context (<see cref="ExtensionContextPath"/> on the server) for what the W3C vocabulary has no
/// term for. The server answers with this mapping, and <c>consortium mirror</c> writes it, so both agree; the mapping
/// table is docs/decisions/0028-web-annotations-and-mirror.md.
/// </summary>
public static class WebAnnotations
{
    /// <summary>The W3C Web Annotation JSON-LD context, also the profile of the media type.</summary>
    public const string W3CContext = "http://www.w3.org/ns/anno.jsonld";

    /// <summary>The media type of Web Annotation JSON-LD, as sent in <c>Accept</c> and answered in <c>Content-Type</c>.</summary>
    public const string MediaType = "application/ld+json; profile=\"http://www.w3.org/ns/anno.jsonld\"";

    /// <summary>Where the server serves the extension context, relative to its address.</summary>
    public const string ExtensionContextPath = "ns/consortium.jsonld";

    /// <summary>The <c>@context</c> of every document: the W3C context, then this server's extension context.</summary>
    public static JsonArray Context(Uri server) => [W3CContext, new Uri(server, ExtensionContextPath).AbsoluteUri];

    /// <summary>The IRI of an annotation (its REST address).</summary>
    public static string AnnotationIri(Uri server, Guid annotationId) => new Uri(server, $"api/annotations/{annotationId}").AbsoluteUri;

    /// <summary>The IRI of a record (its REST address): the target of every annotation but a reply.</summary>
    public static string RecordIri(Uri server, Guid recordId) => new Uri(server, $"api/records/{recordId}").AbsoluteUri;

    /// <summary>
    /// One annotation as a Web Annotation. With <paramref name="withContext"/> false (an item inside a collection page)
    /// the <c>@context</c> is left to the enclosing document.
    /// </summary>
    public static JsonObject Annotation(AnnotationView a, Uri server, bool withContext = true)
    {
        var (motivation, body) = a.Kind switch
        {
            AnnotationKinds.Tag => ("tagging", Textual(a.Tag ?? "", "text/plain", "tagging")),
            AnnotationKinds.Identification => ("identifying", Identification(a.Identification, server)),
            AnnotationKinds.Verification => ("assessing", Verification(a.Verification)),
            AnnotationKinds.Comment => ("replying", Textual(a.Text, "text/markdown", "replying")),
            _ => ("commenting", Textual(a.Text, "text/markdown", "commenting")),
        };
        var bodies = new JsonArray(body);
        // A tag, identification or verification may carry the reporter's words beside its structured body.
        if (a.Kind is AnnotationKinds.Tag or AnnotationKinds.Identification or AnnotationKinds.Verification && !string.IsNullOrWhiteSpace(a.Text))
        {
            bodies.Add(Textual(a.Text, "text/markdown", "commenting"));
        }
        var annotation = new JsonObject();
        if (withContext)
        {
            annotation["@context"] = Context(server);
        }
        annotation["id"] = AnnotationIri(server, a.Id);
        annotation["type"] = "Annotation";
        annotation["motivation"] = motivation;
        annotation["created"] = Instant(a.CreatedAt);
        if (a.UpdatedAt is { } updated)
        {
            annotation["modified"] = Instant(updated);
        }
        annotation["creator"] = new JsonObject { ["type"] = "Person", ["name"] = a.AuthorName, ["nickname"] = a.Author };
        annotation["outlet"] = Outlet(server, a.OutletId);
        annotation["generator"] = new JsonObject { ["id"] = server.AbsoluteUri, ["type"] = "Software", ["name"] = "Consortium" };
        annotation["body"] = bodies;
        // A reply annotates the annotation it answers (Web Annotation Data Model, 3.3.5); its record is named beside.
        annotation["target"] = a.Kind == AnnotationKinds.Comment && a.ParentId is { } parent ? AnnotationIri(server, parent) : RecordIri(server, a.RecordId);
        if (a.Kind == AnnotationKinds.Comment)
        {
            annotation["record"] = RecordIri(server, a.RecordId);
        }
        annotation["visibility"] = a.Visibility.ToString().ToLowerInvariant();
        if (a.SharedWithOutletIds is { Count: > 0 } partners)
        {
            annotation["sharedWith"] = new JsonArray(partners.Select(o => (JsonNode)Outlet(server, o)).ToArray());
        }
        annotation["investigation"] = new Uri(server, $"api/investigations/{a.InvestigationId}").AbsoluteUri;
        annotation["dataset"] = new Uri(server, $"api/datasets/{a.DatasetId}").AbsoluteUri;
        annotation["version"] = a.Version;
        annotation["resolved"] = a.Resolved;
        annotation["retracted"] = a.Retracted;
        return annotation;
    }

    /// <summary>The extension context the server serves at <see cref="ExtensionContextPath"/>: Consortium's terms.</summary>
    public static JsonObject ExtensionContext(Uri server)
    {
        const string Xsd = "http://www.w3.org/2001/XMLSchema#";
        JsonObject Term(string name, string? type = null, string? container = null)
        {
            var term = new JsonObject { ["@id"] = $"consortium:{name}" };
            if (type is not null)
            {
                term["@type"] = type;
            }
            if (container is not null)
            {
                term["@container"] = container;
            }
            return term;
        }
        return new JsonObject
        {
            ["@context"] = new JsonObject
            {
                ["consortium"] = new Uri(server, "ns/consortium#").AbsoluteUri,
                // The W3C vocabulary has oa:assessing, but its JSON-LD context has no term for it.
                ["assessing"] = "http://www.w3.org/ns/oa#assessing",
                ["BasicContainer"] = "http://www.w3.org/ns/ldp#BasicContainer",
                ["Identification"] = "consortium:Identification",
                ["Verification"] = "consortium:Verification",
                ["Evidence"] = "consortium:Evidence",
                ["outlet"] = Term("outlet", "@id"),
                ["sharedWith"] = Term("sharedWith", "@id"),
                ["record"] = Term("record", "@id"),
                ["investigation"] = Term("investigation", "@id"),
                ["dataset"] = Term("dataset", "@id"),
                ["visibility"] = Term("visibility"),
                ["version"] = Term("version", Xsd + "integer"),
                ["resolved"] = Term("resolved", Xsd + "boolean"),
                ["retracted"] = Term("retracted", Xsd + "boolean"),
                ["person"] = Term("person"),
                ["role"] = Term("role"),
                ["confidence"] = Term("confidence"),
                ["identifiedBy"] = Term("identifiedBy", "@id"),
                ["sources"] = Term("sources", container: "@set"),
                ["verificationState"] = Term("verificationState"),
                ["analyst"] = Term("analyst"),
                ["tool"] = Term("tool"),
                ["indicatorSetVersion"] = Term("indicatorSetVersion"),
                ["evidence"] = Term("evidence", container: "@set"),
                ["sha256"] = Term("sha256"),
                ["size"] = Term("size", Xsd + "integer"),
                ["stored"] = Term("stored", Xsd + "boolean"),
                ["description"] = "http://purl.org/dc/terms/description",
            },
        };
    }

    private static JsonObject Outlet(Uri server, string outletId) =>
        new() { ["id"] = new Uri(server, $"ns/outlets/{Uri.EscapeDataString(outletId)}").AbsoluteUri, ["type"] = "Organization", ["nickname"] = outletId };

    private static JsonObject Textual(string value, string format, string purpose) =>
        new() { ["type"] = "TextualBody", ["purpose"] = purpose, ["format"] = format, ["value"] = value };

    private static JsonObject Identification(IdentificationView? i, Uri server)
    {
        var body = new JsonObject
        {
            ["type"] = new JsonArray("TextualBody", "Identification"),
            ["purpose"] = "identifying",
            ["format"] = "text/plain",
            ["value"] = i is null ? "" : $"{i.Person} ({i.Role ?? "role unknown"}), confidence {i.Confidence}",
        };
        if (i is not null)
        {
            body["person"] = i.Person;
            if (i.Role is not null)
            {
                body["role"] = i.Role;
            }
            body["confidence"] = i.Confidence;
            body["identifiedBy"] = Outlet(server, i.IdentifiedByOutletId);
            body["sources"] = new JsonArray((i.Sources ?? []).Select(s => (JsonNode)JsonValue.Create(s)!).ToArray());
        }
        return body;
    }

    private static JsonObject Verification(VerificationView? v)
    {
        var body = new JsonObject
        {
            ["type"] = new JsonArray("TextualBody", "Verification"),
            ["purpose"] = "assessing",
            ["format"] = "text/plain",
            ["value"] = v is null ? "" : $"Verification: {v.State}{(v.Tool is { } tool ? $" ({tool})" : "")}",
        };
        if (v is not null)
        {
            body["verificationState"] = v.State;
            if (v.AnalystUserId is not null)
            {
                body["analyst"] = v.AnalystUserId;
            }
            if (v.Tool is not null)
            {
                body["tool"] = v.Tool;
            }
            if (v.IndicatorSetVersion is not null)
            {
                body["indicatorSetVersion"] = v.IndicatorSetVersion;
            }
            body["evidence"] = new JsonArray((v.Evidence ?? []).Select(e => (JsonNode)new JsonObject
            {
                ["type"] = "Evidence",
                ["name"] = e.Name,
                ["sha256"] = e.Sha256,
                ["size"] = e.Size,
                ["description"] = e.Description,
                ["stored"] = e.Stored,
            }).ToArray());
        }
        return body;
    }

    private static string Instant(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
}
