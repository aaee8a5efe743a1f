using YamlDotNet.Core;
using YamlDotNet.Serialization;

namespace Consortium.Server.Tests.Platform;

/// <summary>Reads the deployment's YAML files into plain dictionaries and lists, with merge keys (<c>&lt;&lt;: *x</c>) applied.</summary>
internal static class DeploymentYaml
{
    public static IReadOnlyList<Dictionary<object, object>> Documents(string relativePath)
    {
        var deserializer = new DeserializerBuilder().Build();
        var parser = new MergingParser(new Parser(new StringReader(RepositoryFiles.Read(relativePath))));
        var documents = new List<Dictionary<object, object>>();
        parser.Consume<YamlDotNet.Core.Events.StreamStart>();
        while (parser.Accept<YamlDotNet.Core.Events.DocumentStart>(out _))
        {
            if (deserializer.Deserialize<Dictionary<object, object>>(parser) is { } document)
            {
                documents.Add(document);
            }
        }
        return documents;
    }

    public static Dictionary<object, object> Map(this object? node, string key) =>
        node is Dictionary<object, object> map && map.TryGetValue(key, out var value) && value is Dictionary<object, object> child
            ? child
            : throw new Xunit.Sdk.XunitException($"No mapping \"{key}\" in {Describe(node)}.");

    public static List<object> List(this object? node, string key) =>
        node is Dictionary<object, object> map && map.TryGetValue(key, out var value) && value is List<object> list
            ? list
            : throw new Xunit.Sdk.XunitException($"No list \"{key}\" in {Describe(node)}.");

    public static string? Text(this object? node, string key) =>
        node is Dictionary<object, object> map && map.TryGetValue(key, out var value) ? value?.ToString() : null;

    public static bool Has(this object? node, string key) => node is Dictionary<object, object> map && map.ContainsKey(key);

    private static string Describe(object? node) =>
        node is Dictionary<object, object> map ? "{" + string.Join(", ", map.Keys) + "}" : node?.ToString() ?? "nothing";
}
