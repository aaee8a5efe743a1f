using System.CommandLine;
using Consortium.Client;
using Npgsql;

namespace Consortium.Cli;

/// <summary>
/// <c>consortium audit anchor</c>: prints (or writes to a file) the audit chain's newest <c>position:hash</c>, read from
/// the database, for a second party to keep; <c>audit verify --anchor</c> later proves the chain still holds it.
/// </summary>
internal static class AuditAnchorCommand
{
    public static Command Command(Option<string> connection, Option<string> schema)
    {
        var output = new Option<FileInfo?>("--out") { Description = "Write the anchor to this file (created or replaced) as well as to standard output." };
        var anchor = new Command("anchor", "Print the audit chain's newest position:hash, to keep outside the database and pass to `audit verify --anchor` later.")
        {
            connection, schema, output,
        };
        anchor.SetAction((parse, cancellationToken) => AnchorAsync(parse.GetValue(connection)!, parse.GetValue(schema)!, parse.GetValue(output), parse.InvocationConfiguration.Output, cancellationToken));
        return anchor;
    }

    public static async Task<int> AnchorAsync(string connectionString, string schema, FileInfo? file, TextWriter output, CancellationToken cancellationToken)
    {
        string anchor;
        try
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync(cancellationToken);
            var table = "\"" + schema.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"." + AuditChain.SealTable;
            await using var command = new NpgsqlCommand($"select id, data ->> 'hash' from {table} order by id desc limit 1", connection);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            anchor = await reader.ReadAsync(cancellationToken) ? $"{reader.GetInt64(0)}:{reader.GetString(1)}" : $"0:{AuditChain.GenesisHash}";
        }
        catch (Exception e) when (e is NpgsqlException or ArgumentException or InvalidOperationException)
        {
            await output.WriteLineAsync($"error: cannot read the audit log: {e.Message}");
            return AuditCommands.CannotCheck;
        }
        await output.WriteLineAsync(anchor);
        if (file is not null)
        {
            await File.WriteAllTextAsync(file.FullName, anchor + Environment.NewLine, cancellationToken);
        }
        return AuditCommands.Intact;
    }
}
