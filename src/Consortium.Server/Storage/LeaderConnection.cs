using Npgsql;

namespace Consortium.Server.Storage;

/// <summary>
/// The lead of one <see cref="Leadership"/> role as a singleton holds it: a dedicated connection holding the session
/// lock, checked before each use (a dead connection took its lock with it) and closed to give the lead up.
/// </summary>
public sealed class LeaderConnection(StorageSettings settings, ServerNode node, string role)
{
    private NpgsqlConnection? connection;

    /// <summary>The connection holding the lead, or null when this node does not lead.</summary>
    public NpgsqlConnection? Held => connection;

    /// <summary>True when this node leads (the connection is alive), taking the lead if nobody holds it.</summary>
    public async Task<bool> HoldAsync(CancellationToken cancellationToken)
    {
        if (connection is { } held)
        {
            await using var ping = new NpgsqlCommand("select 1", held);
            await ping.ExecuteScalarAsync(cancellationToken);
            return true;
        }
        var candidate = new NpgsqlConnection(Leadership.ConnectionString(settings, node, role));
        await candidate.OpenAsync(cancellationToken);
        if (await Leadership.TryLeadAsync(candidate, role, cancellationToken))
        {
            connection = candidate;
            return true;
        }
        await candidate.DisposeAsync();
        return false;
    }

    /// <summary>Gives the lead up: closing the session releases its advisory lock.</summary>
    public async Task ReleaseAsync()
    {
        if (Interlocked.Exchange(ref connection, null) is { } held)
        {
            await held.DisposeAsync();
        }
    }
}
