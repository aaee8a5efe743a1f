using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Consortium.Server.Hosting;

/// <summary>
/// Every enum in every JSON request body, wherever it sits, must be one of its declared values: a number (<c>"role": 99</c>),
/// a numeric string or a combination of names (<c>"reporter, read-only"</c>) is refused. The request then fails to bind,
/// which minimal APIs answer with 400, written as problem details by the status-code pages, and nothing is stored.
/// </summary>
/// <remarks>
/// Converters in the options win over the <c>[JsonConverter]</c> on the enum types, so one registration covers every
/// enum of every contract, present and future. Writing is left to the string converter the type declares.
/// </remarks>
public sealed class DefinedEnumConverterFactory : JsonConverterFactory
{
    public override bool CanConvert(Type typeToConvert) => typeToConvert.IsEnum;

    public override JsonConverter? CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
        (JsonConverter?)Activator.CreateInstance(typeof(DefinedEnumConverter<>).MakeGenericType(typeToConvert));

    private sealed class DefinedEnumConverter<T> : JsonConverter<T> where T : struct, Enum
    {
        // Names only (as the contracts' own converters write them); integers are not a wire format of ours.
        private readonly JsonConverter<T> names = (JsonConverter<T>)new JsonStringEnumConverter<T>(namingPolicy: null, allowIntegerValues: false)
            .CreateConverter(typeof(T), new JsonSerializerOptions());

        public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType != JsonTokenType.String)
            {
                throw new JsonException($"{typeof(T).Name} is one of its names, as a string.");
            }
            var value = names.Read(ref reader, typeToConvert, options);
            return Enum.IsDefined(value) ? value : throw new JsonException($"{typeof(T).Name} is one of its names.");
        }

        public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) => names.Write(writer, value, options);
    }
}

public static class DefinedEnums
{
    public static WebApplicationBuilder AddDefinedEnumValidation(this WebApplicationBuilder builder)
    {
        builder.Services.ConfigureHttpJsonOptions(options => options.SerializerOptions.Converters.Insert(0, new DefinedEnumConverterFactory()));
        // The OpenAPI document cannot see through a converter of ours, so it is told what the wire holds: the names.
        builder.Services.ConfigureAll<OpenApiOptions>(options => options.AddSchemaTransformer((schema, context, _) =>
        {
            var type = Nullable.GetUnderlyingType(context.JsonTypeInfo.Type) ?? context.JsonTypeInfo.Type;
            if (type.IsEnum)
            {
                schema.Type = Nullable.GetUnderlyingType(context.JsonTypeInfo.Type) is null ? JsonSchemaType.String : JsonSchemaType.String | JsonSchemaType.Null;
                schema.Enum = [.. NamesOf(type).Select(name => (JsonNode)JsonValue.Create(name))];
            }
            return Task.CompletedTask;
        }));
        return builder;
    }

    /// <summary>The names an enum is written with: each member's <see cref="JsonStringEnumMemberNameAttribute"/>, else its own name.</summary>
    public static IEnumerable<string> NamesOf(Type type) =>
        type.GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)
            .Select(f => f.GetCustomAttributes(typeof(JsonStringEnumMemberNameAttribute), false) is [JsonStringEnumMemberNameAttribute named] ? named.Name : f.Name);
}
