using Npgsql;

namespace Consortium.Server.Storage;

/// <summary>
/// How many PostgreSQL connections one node may open, and how they are shared among its three pools: Marten's
/// (documents and events), the shared one (the identity store, the token check, the feeds, imports, audit) and the
/// search's (its own session settings, decision 0013). Each pool is named in <c>pg_stat_activity</c> as
/// <c>consortium:&lt;pool&gt;@&lt;node&gt;</c>, so an operator sees which node holds what, and
/// <see cref="ConnectionCapacityHealthCheck"/> can count the nodes.
/// </summary>
/// <remarks>
/// Npgsql's default maximum is 100 per pool, so a node could open about 300 connections, and two or three nodes
/// could run PostgreSQL out of connection slots (its default <c>max_connections</c> is 100) under a burst, failing
/// requests on every node at once. One figure per node (<c>Storage:MaxConnections</c>, default 90, so that one node
/// fits a stock PostgreSQL) bounds it: the connections a node opens outside its pools (<see cref="Dedicated"/>: its
/// leader connections and the feed's LISTEN) come off the top, Marten's pool and the shared one get two fifths each of
/// the rest, the search one fifth. A request that finds its pool at the maximum waits for a connection to come back
/// (Npgsql's Timeout, 15 s) instead of opening one more. A connection string that sets Maximum Pool Size itself keeps
/// that figure for each pool, as before.
/// </remarks>
public sealed record ConnectionBudget(int Documents, int Shared, int Search)
{
    public const string Setting = "Storage:MaxConnections";

    public const int Default = 90;

    /// <summary>
    /// Unpooled connections a node may hold: one per singleton role while it leads or asks (<see cref="Leadership.Roles"/>)
    /// and the changes feed's LISTEN (Sync/FeedSignal).
    /// </summary>
    public static int Dedicated => Leadership.Roles.Count + 1;

    /// <summary>The most connections this node opens: its three pools and its dedicated connections.</summary>
    public int Total => Documents + Shared + Search + Dedicated;

    public static ConnectionBudget For(string connectionString, IConfiguration configuration)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (connectionString.Contains("Maximum Pool Size", StringComparison.OrdinalIgnoreCase)
            || connectionString.Contains("Max Pool Size", StringComparison.OrdinalIgnoreCase)
            || connectionString.Contains("MaxPoolSize", StringComparison.OrdinalIgnoreCase))
        {
            return new(builder.MaxPoolSize, builder.MaxPoolSize, builder.MaxPoolSize);
        }
        var total = configuration.GetValue(Setting, Default);
        var pooled = total - Dedicated;
        if (pooled < 12)
        {
            throw new InvalidOperationException(
                $"{Setting} is {total}: a node needs at least {Dedicated + 12} connections ({Dedicated} of its own and 4 in each of its three pools).");
        }
        var search = pooled / 5;
        var documents = (pooled - search) / 2;
        return new(documents, pooled - search - documents, search);
    }

    /// <summary>The connection string of one pool: its maximum and its name, unless the connection string names itself.</summary>
    public static string Pool(string connectionString, string pool, int maximum, ServerNode node)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { MaxPoolSize = maximum };
        if (builder.MinPoolSize > maximum)
        {
            builder.MinPoolSize = maximum;
        }
        if (string.IsNullOrEmpty(builder.ApplicationName))
        {
            builder.ApplicationName = ApplicationName(pool, node);
        }
        return builder.ConnectionString;
    }

    public const string ApplicationPrefix = "consortium:";

    public static string ApplicationName(string pool, ServerNode node)
    {
        var name = $"{ApplicationPrefix}{pool}@{node.Id}";
        return name.Length > 63 ? name[..63] : name;
    }
}
