using System.Text.Json;
using System.Text.Json.Serialization;

namespace Consortium.Server.Sync;

/// <summary>
/// A feed entry's object already written as JSON (UTF-8): serialized as it stands, wherever the entry goes (a JSON page,
/// an event of the stream, a webhook's <see cref="JsonElement"/>), so it is written once, not built as a view and
/// serialized again.
/// </summary>
[JsonConverter(typeof(RawJsonObjectConverter))]
public sealed class RawJsonObject(byte[] utf8)
{
    public ReadOnlyMemory<byte> Utf8 { get; } = utf8;
}

internal sealed class RawJsonObjectConverter : JsonConverter<RawJsonObject>
{
    public override RawJsonObject Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        throw new NotSupportedException("A feed entry's object is only ever written.");

    // Written by AnnotationViewJson from valid JSON: no second validation pass.
    public override void Write(Utf8JsonWriter writer, RawJsonObject value, JsonSerializerOptions options) =>
        writer.WriteRawValue(value.Utf8.Span, skipInputValidation: true);
}
