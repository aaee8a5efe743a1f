using System.Text.Json;
using Consortium.Server.Hosting;

namespace Consortium.Server.Annotations;

/// <summary>
/// The JSON of <see cref="Annotation.ToView"/> written straight from the annotation's stored JSON (Marten's document, as
/// PostgreSQL hands it back), for readers that pass many annotations through (the feed of every change): the values the
/// view shares with the document are copied as they are, the identification and verification go through their views,
/// and everything else the document holds (the retraction's reason, the verification state column) is left out, as the
/// view leaves it out. Deserialising each document into an <see cref="Annotation"/> and serialising its view again cost
/// most of a feed page's CPU (issue 19). The same JSON as the view, property for property (a test compares the two).
/// </summary>
[Announced]
public static class AnnotationViewJson
{
    // The view's properties in its order (AnnotationView, camelCase as the wire writes them), each with what the view
    // holds when the document lacks it. Required ones have no default: a document without them takes the slow path.
    private static readonly (string Name, string? Default)[] Properties =
    [
        ("id", null), ("recordId", null), ("kind", null), ("text", null), ("visibility", null), ("author", null), ("authorName", null),
        ("outletId", null), ("createdAt", null), ("sequence", null), ("investigationId", null), ("datasetId", null),
        ("version", "1"), ("updatedAt", "null"), ("sharedWithOutletIds", "null"), ("tag", "null"), ("identification", "null"),
        ("verification", "null"), ("parentId", "null"), ("mentions", "null"), ("assigneeUserId", "null"), ("resolved", "false"),
        ("retracted", "false"),
    ];

    private static readonly byte[][] Names = Properties.Select(p => System.Text.Encoding.UTF8.GetBytes(p.Name)).ToArray();
    private static readonly int Identification = Array.FindIndex(Properties, p => p.Name == "identification");
    private static readonly int Verification = Array.FindIndex(Properties, p => p.Name == "verification");
    private static readonly int Retracted = Array.FindIndex(Properties, p => p.Name == "retracted");

    /// <summary>
    /// Writes the view of the stored annotation <paramref name="stored"/> to <paramref name="writer"/>; false (and nothing
    /// written) when the document is not one this can copy, for the caller to render it through <see cref="Annotation.ToView"/>.
    /// </summary>
    /// <param name="writer">Where the view goes.</param>
    /// <param name="stored">The document's JSON, UTF-8.</param>
    /// <param name="reader">Who reads (names the verification steps they may take), as for <see cref="Annotation.ToView"/>.</param>
    /// <param name="readStored">Reads a part of the document (Marten's serializer and options).</param>
    /// <param name="wire">The options the API writes views with.</param>
    public static bool TryWrite(Utf8JsonWriter writer, ReadOnlySpan<byte> stored, AnnotationReader? reader, Func<byte[], Type, object?> readStored, JsonSerializerOptions wire)
    {
        Span<(int Start, int Length)> found = stackalloc (int, int)[Properties.Length];
        found.Clear();
        var json = new Utf8JsonReader(stored);
        if (!json.Read() || json.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }
        while (json.Read() && json.TokenType == JsonTokenType.PropertyName)
        {
            // The document's names are plain camelCase (no escapes), so the raw bytes are the name.
            var escaped = json.ValueIsEscaped;
            var name = json.ValueSpan;
            var index = -1;
            for (var i = 0; i < Names.Length; i++)
            {
                if (escaped ? json.ValueTextEquals(Names[i]) : Names[i].Length == name.Length && name.SequenceEqual(Names[i]))
                {
                    index = i;
                    break;
                }
            }
            json.Read();
            var start = (int)json.TokenStartIndex;
            json.Skip();
            if (index >= 0)
            {
                found[index] = (start, (int)json.BytesConsumed - start);
            }
        }
        for (var i = 0; i < Properties.Length; i++)
        {
            if (found[i].Length == 0 && Properties[i].Default is null)
            {
                return false;
            }
        }

        writer.WriteStartObject();
        for (var i = 0; i < Properties.Length; i++)
        {
            writer.WritePropertyName(Names[i]);
            if (found[i].Length == 0)
            {
                writer.WriteRawValue(Properties[i].Default!, skipInputValidation: true);
                continue;
            }
            var value = stored.Slice(found[i].Start, found[i].Length);
            if (i == Identification && !IsNull(value))
            {
                var identification = (StoredIdentification)readStored(value.ToArray(), typeof(StoredIdentification))!;
                JsonSerializer.Serialize(writer, identification.ToView(), wire);
            }
            else if (i == Verification && !IsNull(value))
            {
                var verification = (StoredVerification)readStored(value.ToArray(), typeof(StoredVerification))!;
                var retracted = found[Retracted].Length > 0 && stored.Slice(found[Retracted].Start, found[Retracted].Length).SequenceEqual("true"u8);
                JsonSerializer.Serialize(writer, verification.ToView(reader is null ? null : VerificationRules.AllowedNext(verification, retracted, reader)), wire);
            }
            else
            {
                // PostgreSQL writes jsonb back as valid JSON: a value of the document is a value of the view as it stands.
                writer.WriteRawValue(value, skipInputValidation: true);
            }
        }
        writer.WriteEndObject();
        return true;
    }

    private static bool IsNull(ReadOnlySpan<byte> value) => value.SequenceEqual("null"u8);
}
