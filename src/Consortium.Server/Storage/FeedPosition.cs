using System.Globalization;
using Npgsql;

namespace Consortium.Server.Storage;

/// <summary>Where the changes feed stands now, for any area that answers a list a client later catches up on from the feed.</summary>
public sealed class FeedPosition(StorageSettings settings)
{
    /// <summary>
    /// A cursor at or below everything committed before this call: every transaction with a smaller id has ended.
    /// Take it before reading a list, and the feed read from it later misses nothing the list missed (it may bring
    /// again what the list held, which a reader drops by version).
    /// </summary>
    public async Task<FeedCursor> NowAsync(CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(settings.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"select {FeedHorizon.Sql(settings.Schema)}::text", connection);
        var xmin = ulong.Parse((string)(await command.ExecuteScalarAsync(cancellationToken))!, CultureInfo.InvariantCulture);
        return new FeedCursor(xmin - 1, long.MaxValue);
    }
}
