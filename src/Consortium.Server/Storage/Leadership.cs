using Npgsql;

namespace Consortium.Server.Storage;

/// <summary>
/// The singletons one node of a deployment runs at a time, each chosen by a PostgreSQL session advisory lock held on a
/// dedicated, unpooled connection (decisions 0010, 0024, 0029): the lock ends with the connection, so a node that dies
/// loses it at once and the next node asking takes it. Each leader connection's application name carries the role and
/// the node, so any node can tell who leads what from <c>pg_locks</c> (<see cref="LeadersAsync"/>).
/// </summary>
public static class Leadership
{
    /// <summary>The lock keys of the singletons, by role. Advisory locks are per database: one leader per deployment.</summary>
    public static readonly IReadOnlyDictionary<string, long> Roles = new Dictionary<string, long>(StringComparer.Ordinal)
    {
        ["audit-sealer"] = 0x4175646974536c72,   // "AuditSlr"
        ["embargo-lift"] = 0x4C696674,           // "Lift"
        ["projection-daemon"] = 0x50726f6a446d6e, // "ProjDmn"
        ["webhook-delivery"] = 0x576562686f6f6b,  // "Webhook"
    };

    private const string ApplicationPrefix = "consortium-lead:";

    /// <summary>
    /// The connection string for a leader connection of <paramref name="role"/>: unpooled (closing it must end the
    /// session, and the lock with it, not park both in a pool), named for the role and the node, and with TCP
    /// keepalives, so a leader whose machine vanished is noticed by its own side within seconds.
    /// </summary>
    public static string ConnectionString(StorageSettings settings, ServerNode node, string role)
    {
        var name = ApplicationPrefix + role + "@" + node.Id;
        return new NpgsqlConnectionStringBuilder(settings.ConnectionString)
        {
            Pooling = false,
            ApplicationName = name.Length > 63 ? name[..63] : name,
            KeepAlive = 5,
            Multiplexing = false,
        }.ConnectionString;
    }

    /// <summary>Takes the lead of <paramref name="role"/> on <paramref name="connection"/> if nobody holds it.</summary>
    public static async Task<bool> TryLeadAsync(NpgsqlConnection connection, string role, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("select pg_try_advisory_lock(@key)", connection);
        command.Parameters.AddWithValue("key", Roles[role]);
        return await command.ExecuteScalarAsync(cancellationToken) is true;
    }

    /// <summary>Who leads each role now, as PostgreSQL sees it (null: nobody, e.g. during a takeover).</summary>
    public static async Task<IReadOnlyDictionary<string, string?>> LeadersAsync(StorageSettings settings, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(settings.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        // A bigint advisory key shows in pg_locks as classid (high half) and objid (low half), objsubid 1.
        await using var command = new NpgsqlCommand(
            """
            select (l.classid::bigint << 32) | l.objid::bigint, a.application_name
            from pg_locks l join pg_stat_activity a on a.pid = l.pid
            where l.locktype = 'advisory' and l.granted and l.objsubid = 1 and l.database = (select oid from pg_database where datname = current_database())
            """, connection);
        var byKey = new Dictionary<long, string>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                byKey[reader.GetInt64(0)] = reader.IsDBNull(1) ? "" : reader.GetString(1);
            }
        }
        var leaders = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var (role, key) in Roles)
        {
            leaders[role] = byKey.TryGetValue(key, out var application) ? NodeOf(application, role) : null;
        }
        return leaders;
    }

    private static string NodeOf(string application, string role)
    {
        var prefix = ApplicationPrefix + role + "@";
        // A node of an older version holds the lock under an application name without the node: still a leader.
        return application.StartsWith(prefix, StringComparison.Ordinal) ? application[prefix.Length..] : "(unnamed node)";
    }
}
