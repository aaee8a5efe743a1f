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
    }

    /// <summary>The node's name in logs, in <c>/healthz/nodes</c> and in the application name of its leader connections.</summary>
    public string Id { get; }

    /// <summary>The StackExchange.Redis configuration string, or null on a single node.</summary>
    public string? Redis { get; }

    public bool IsOneOfMany => Redis is not null;

    public static bool IsOneOfManyIn(IConfiguration configuration) => configuration["Redis:Configuration"] is { Length: > 0 };
}
