using System.CommandLine;
using System.Text.RegularExpressions;
using Consortium.Cli;
using Npgsql;

namespace Consortium.Server.Tests.Audit;

/// <summary>The audit log beneath the server, as an operator sees it: the verify command and the entries table.</summary>
internal static partial class AuditDatabase
{
    /// <summary>Runs <c>consortium audit verify</c> against the server's database, with the chain's key.</summary>
    public static Task<(int ExitCode, string Output)> VerifyAsync(ConsortiumServer server, params string[] options) =>
        VerifyWithoutKeyAsync(server.ConnectionString, ["--key-file", server.AuditKeyFile, .. options]);

    /// <summary>Runs <c>consortium audit verify</c> against the database, with only the options given.</summary>
    public static Task<(int ExitCode, string Output)> VerifyWithoutKeyAsync(string connectionString, params string[] options) =>
        RunAsync(["audit", "verify", "--connection", connectionString, .. options]);

    /// <summary>Runs a <c>consortium</c> command line and returns its exit code and what it printed.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(string[] arguments)
    {
        using var output = new StringWriter();
        var exitCode = await ConsortiumCommandLine.Root().Parse(arguments).InvokeAsync(new InvocationConfiguration { Output = output, Error = output });
        return (exitCode, output.ToString());
    }

    /// <summary>
    /// Waits until no entry is waiting for the sealer, which runs in the background: a test that reads the chain right
    /// after an action would otherwise race it. Gives up after a minute, which only a sealer that is not running takes.
    /// </summary>
    public static async Task WaitUntilSealedAsync(string connectionString)
    {
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (await UnsealedCountAsync(connectionString) is var waiting and > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, $"{waiting} audit entries were still unsealed after a minute: no sealer ran.");
            await Task.Delay(10);
        }
    }

    public static async Task<long> UnsealedCountAsync(string connectionString) =>
        (long)(await ScalarAsync(connectionString, "select count(*) from consortium.mt_doc_auditentry as e where not exists (select 1 from consortium.mt_doc_auditseal as s where s.entry = e.id)"))!;

    /// <summary>The length of the chain as the verify command reports it, once everything written so far is sealed (and after checking it is intact).</summary>
    public static async Task<long> ChainLengthAsync(ConsortiumServer server)
    {
        await WaitUntilSealedAsync(server.ConnectionString);
        var (exitCode, output) = await VerifyAsync(server);
        Assert.True(exitCode == 0, output);
        var match = ChainIntact().Match(output);
        Assert.True(match.Success, output);
        return long.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Entry number → chain position, for every entry stored (position null while unsealed).</summary>
    public static async Task<Dictionary<long, long?>> PositionsAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("select e.id, s.id from consortium.mt_doc_auditentry as e left join consortium.mt_doc_auditseal as s on s.entry = e.id", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var positions = new Dictionary<long, long?>();
        while (await reader.ReadAsync())
        {
            positions.Add(reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetInt64(1));
        }
        return positions;
    }

    /// <summary>
    /// Runs <paramref name="sql"/> as the tables' owner who first switches the append-only trigger off (and on again in
    /// the same transaction): the database administrator the chain must still catch. Returns the rows it changed.
    /// </summary>
    public static async Task<int> TamperAsync(string connectionString, string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var off = new NpgsqlCommand("alter table consortium.mt_doc_auditentry disable trigger audit_append_only; alter table consortium.mt_doc_auditseal disable trigger audit_append_only;", connection, transaction))
        {
            await off.ExecuteNonQueryAsync();
        }
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }
        var rows = await command.ExecuteNonQueryAsync();
        await using (var on = new NpgsqlCommand("alter table consortium.mt_doc_auditentry enable trigger audit_append_only; alter table consortium.mt_doc_auditseal enable trigger audit_append_only;", connection, transaction))
        {
            await on.ExecuteNonQueryAsync();
        }
        await transaction.CommitAsync();
        return rows;
    }

    /// <summary>
    /// The entry with the given number as stored, with its seal's position and hashes: the coordinators' listing never
    /// shows hashes (a hash is a function of every entry before it, withheld ones too), so tests read them here.
    /// </summary>
    public static async Task<AuditEntryView> SealedEntryAsync(string connectionString, long entryNumber)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "select e.data::text, s.id, s.data ->> 'previousHash', s.data ->> 'hash' from consortium.mt_doc_auditentry as e join consortium.mt_doc_auditseal as s on s.entry = e.id where e.id = @entry", connection);
        command.Parameters.AddWithValue("entry", entryNumber);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync(), $"entry {entryNumber} is not sealed");
        var entry = System.Text.Json.JsonSerializer.Deserialize<AuditEntryView>(reader.GetString(0), Json)!;
        return entry with { Position = reader.GetInt64(1), PreviousHash = reader.GetString(2), Hash = reader.GetString(3) };
    }

    private static readonly System.Text.Json.JsonSerializerOptions Json = new(System.Text.Json.JsonSerializerDefaults.Web);

    public static async Task<object?> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }

    [GeneratedRegex("^Audit chain intact: (\\d+) entries")]
    private static partial Regex ChainIntact();
}
