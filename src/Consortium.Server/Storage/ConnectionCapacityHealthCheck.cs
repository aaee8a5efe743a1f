using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace Consortium.Server.Storage;

/// <summary>
/// Degraded when the nodes sharing this database may open more connections than PostgreSQL accepts: each node's
/// <see cref="ConnectionBudget.Total"/> times the nodes it can see, against <c>max_connections</c> less the slots kept
/// for superusers. Nothing fails yet when this shows, but a burst (an import on one node, searches on another) would
/// then be refused connections on every node at once, so it is said before: on scale-out, or on a PostgreSQL
/// configured smaller than the deployment.
/// </summary>
/// <remarks>
/// Nodes are counted from the application names of their connections in this database (<c>consortium:…@node</c> and
/// <c>consortium-lead:…@node</c>), so a node with no connection open is not counted and every node is assumed to have
/// this node's budget (configure them alike). Degraded, not unhealthy: the node serves, and taking every node out of
/// the load balancer over a configuration warning would be the outage it warns of.
/// </remarks>
internal sealed class ConnectionCapacityHealthCheck(StorageSettings settings, ServerNode node) : IHealthCheck
{
    private static readonly string Sql = $"""
        select current_setting('max_connections')::int - current_setting('superuser_reserved_connections')::int,
               count(distinct substring(application_name from '@(.*)$')) filter (
                 where datname = current_database() and (application_name like '{ConnectionBudget.ApplicationPrefix}%@%' or application_name like 'consortium-lead:%@%'))
        from pg_stat_activity
        """;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        int usable;
        int nodes;
        try
        {
            await using var connection = new NpgsqlConnection(settings.ConnectionString);
            await connection.OpenAsync(cancellationToken);
            await using var command = new NpgsqlCommand(Sql, connection);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            usable = reader.GetInt32(0);
            // This node has at least the connection asking.
            nodes = Math.Max(1, (int)reader.GetInt64(1));
        }
        catch (NpgsqlException e)
        {
            // The database check reports an unreachable database; this one has nothing to add then.
            return HealthCheckResult.Healthy("PostgreSQL could not be asked for its connection limit.", new Dictionary<string, object> { ["error"] = e.Message });
        }
        var perNode = settings.Budget.Total;
        var data = new Dictionary<string, object> { ["nodes"] = nodes, ["perNode"] = perNode, ["usable"] = usable, ["node"] = node.Id };
        return nodes * perNode > usable
            ? HealthCheckResult.Degraded(
                $"{nodes} node(s) may open up to {nodes * perNode} connections ({perNode} each, {ConnectionBudget.Setting}) but PostgreSQL accepts {usable} " +
                "(max_connections less superuser_reserved_connections): raise max_connections or lower Storage:MaxConnections on every node.", data: data)
            : HealthCheckResult.Healthy($"{nodes} node(s) may open up to {nodes * perNode} of PostgreSQL's {usable} connections.", data);
    }
}
