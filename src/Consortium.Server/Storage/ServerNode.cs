namespace Consortium.Server.Storage;

/// <summary>
/// This server process among the nodes sharing one database: its name (<c>Node:Id</c>, by default the machine's name and
/// the process id, so two processes on one machine differ) and whether it runs as one of several nodes
/// (<c>Redis:Configuration</c> set, docs/decisions/0029-many-nodes.md). A single node without Redis keeps every
/// single-process behaviour it had.
/// </summary>
public sealed class ServerNode
{
    public ServerNode(IConfiguration configuration)
    {
        Id = configuration["Node:Id"] is { Length: > 0 } id ? id : $"{Environment.MachineName}:{Environment.ProcessId}";
        Redis = configuration["Redis:Configuration"] is { Length: > 0 } redis ? redis : null;
        RedisPrefix = configuration["Redis:Prefix"] is { Length: > 0 } prefix ? prefix : "consortium";
        // Node:Id is an operator's label and two processes may be given the same one by mistake; this one is unique.
        Incarnation = Id + "#" + Guid.NewGuid().ToString("N")[..8];
    }

    /// <summary>The node's name in logs, in <c>/healthz/nodes</c> and in the application name of its leader connections.</summary>
    public string Id { get; }

    /// <summary>The StackExchange.Redis configuration string, or null on a single node.</summary>
    public string? Redis { get; }

    /// <summary>
    /// This process, unique even when two nodes were given the same <c>Node:Id</c>: how the relay recognises its own
    /// messages and presence its own entries.
    /// </summary>
    public string Incarnation { get; }

    /// <summary>
    /// The deployment's name in Redis (<c>Redis:Prefix</c>): every channel and key starts with it, so two deployments
    /// sharing one Redis (staging restored from production) never read each other's messages.
    /// </summary>
    public string RedisPrefix { get; }

    public bool IsOneOfMany => Redis is not null;

    public static bool IsOneOfManyIn(IConfiguration configuration) => configuration["Redis:Configuration"] is { Length: > 0 };
}
