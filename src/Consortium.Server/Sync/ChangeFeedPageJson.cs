using System.Buffers;
using System.Text.Json;

namespace Consortium.Server.Sync;

/// <summary>
/// Writes a page of the feed as the JSON of <see cref="Consortium.Client.ChangeFeedPage"/>, property by property: the
/// serializer's reflection over every entry's envelope was a tenth of a catch-up page's CPU (issue 19). Each entry's
/// object still goes through the serializer (by its runtime type), which for an annotation only copies its prepared
/// JSON. The names are the wire's (camelCase), in the records' order.
/// </summary>
internal static class ChangeFeedPageJson
{
    public static void Write(IBufferWriter<byte> output, ChangeFeedViewPage page, JsonSerializerOptions options)
    {
        using var writer = new Utf8JsonWriter(output, new JsonWriterOptions { Encoder = options.Encoder, SkipValidation = true });
        writer.WriteStartObject();
        writer.WriteStartArray("items"u8);
        foreach (var entry in page.Items)
        {
            writer.WriteStartObject();
            writer.WriteString("cursor"u8, entry.Cursor);
            writer.WriteString("type"u8, entry.Type);
            writer.WriteString("objectId"u8, entry.ObjectId);
            writer.WriteNumber("version"u8, entry.Version);
            writer.WriteString("change"u8, entry.Change);
            if (entry.InvestigationId is { } investigationId)
            {
                writer.WriteString("investigationId"u8, investigationId);
            }
            else
            {
                writer.WriteNull("investigationId"u8);
            }
            writer.WritePropertyName("object"u8);
            JsonSerializer.Serialize(writer, entry.Object, entry.Object.GetType(), options);
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        writer.WriteString("cursor"u8, page.Cursor);
        writer.WriteBoolean("hasMore"u8, page.HasMore);
        writer.WriteEndObject();
    }
}
