using Marten;
using Npgsql;

namespace Consortium.Server.Storage;

/// <summary>
/// The tables an area keeps beside Marten's documents, created at start-up: once Marten has made the schema, the
/// area's statements run in one transaction under an advisory lock of the area's own, so nodes starting at once create
/// them one after the other, and a statement that fails leaves nothing half made.
/// </summary>
public static class SchemaSetup
{
    public static async Task ApplyAsync(IDocumentStore store, StorageSettings storage, long lockKey, IEnumerable<string> statements, CancellationToken cancellationToken)
    {
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        await using var connection = new NpgsqlConnection(storage.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        foreach (var statement in statements.Prepend($"select pg_advisory_xact_lock({lockKey})"))
        {
            await using var command = new NpgsqlCommand(statement, connection, transaction);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
    }
}
