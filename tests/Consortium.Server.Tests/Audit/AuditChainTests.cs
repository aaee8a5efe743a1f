using Consortium.Server.Audit;
using Microsoft.Extensions.DependencyInjection;
using System.Text.RegularExpressions;
using Npgsql;

namespace Consortium.Server.Tests.Audit;

/// <summary>The chain as an operator checks it: <c>consortium audit verify</c> against the database, beneath the server.</summary>
[Collection(AuditCollection.Name)]
public sealed partial class AuditChainTests(ConsortiumServer server) : ServerTest(server)
{
    private const string TenNumbers =
        "phone,country\n07700 900000,GB\n07700 900001,GB\n07700 900002,GB\n07700 900003,GB\n07700 900004,GB\n" +
        "07700 900005,GB\n07700 900006,GB\n07700 900007,GB\n07700 900008,GB\n07700 900009,GB\n";

    [Fact]
    public async Task Chain_stays_one_gapless_intact_line_after_fifty_concurrent_audited_requests()
    {
        var (investigation, dataset) = await GivenInvestigationWithDatasetAsync(TenNumbers);
        var alpha = Server.ClientFor("ines@alpha");
        var records = (await alpha.ListRecordsAsync(dataset.Id)).Items;
        // Of the coordinator's own outlet: another outlet's reads are listed to her without their hashes (AuditOutletWallTests).
        await GivenMemberAsync(investigation.Id, "tom.baker@alpha", InvestigationRole.Reporter);
        var readers = new[] { alpha, Server.ClientFor("marie@alpha"), Server.ClientFor("tom.baker@alpha") };
        // Signed in beforehand, so the sign-ins' own entries are not part of the burst.
        await Task.WhenAll(readers.Select(r => r.GetMeAsync()));
        var before = await ChainLengthAsync();

        // Reads and writes together: both paths take their turn on the same chain.
        await Task.WhenAll(Enumerable.Range(0, 50).Select(i => i % 5 == 4
            ? (Task)readers[i % 3].AddNoteAsync(records[i % 10].Id, new NewNote($"note {i}"))
            : readers[i % 3].GetRecordAsync(records[i % 10].Id)));

        Assert.Equal(before + 50, await ChainLengthAsync());
        var entries = await AllEntriesAsync(investigation.Id);
        var burst = entries.Where(e => e.Position > before).ToList();
        Assert.Equal(Enumerable.Range((int)before + 1, 50).Select(i => (long?)i), burst.Select(e => e.Position).Order());
        Assert.Equal(40, burst.Count(e => e.Action == AuditActions.RecordRead));
        Assert.Equal(10, burst.Count(e => e.Action == AuditActions.AnnotationAdded));
        // No fork: every previous hash is used by exactly one entry (read beneath the server: the listing shows no hashes).
        var stored = new List<AuditEntryView>();
        foreach (var entry in burst)
        {
            stored.Add(await AuditDatabase.SealedEntryAsync(Server.ConnectionString, entry.Index));
        }
        Assert.Equal(burst.Count, stored.Select(e => e.PreviousHash).Distinct().Count());
    }

    [Fact]
    public async Task Write_that_fails_at_commit_leaves_neither_its_data_nor_its_entry()
    {
        var (investigation, _) = await GivenInvestigationWithDatasetAsync(TenNumbers);
        var alpha = Server.ClientFor("ines@alpha");
        var before = await ChainLengthAsync();
        // A deferred trigger fails the commit itself, after the entry was appended inside the same transaction.
        await ExecuteAsync("""
            create function consortium.fail_at_commit() returns trigger language plpgsql as $$ begin raise exception 'commit refused'; end $$;
            create constraint trigger fail_at_commit after insert on consortium.mt_doc_investigation
                deferrable initially deferred for each row execute function consortium.fail_at_commit();
            """, expectedRows: -1);
        try
        {
            var error = await Assert.ThrowsAsync<ConsortiumProblemException>(() => alpha.CreateInvestigationAsync(new NewInvestigation("Lost", "", [])));
            Assert.Equal(System.Net.HttpStatusCode.InternalServerError, error.Status);
        }
        finally
        {
            await ExecuteAsync("drop trigger fail_at_commit on consortium.mt_doc_investigation; drop function consortium.fail_at_commit();", expectedRows: -1);
        }

        Assert.Equal([investigation.Id], (await alpha.ListInvestigationsAsync()).Select(i => i.Id));
        await alpha.CreateInvestigationAsync(new NewInvestigation("Kept", "", []));
        Assert.Equal(before + 1, await ChainLengthAsync());
    }

    [Fact]
    public async Task Editing_a_stored_entry_is_detected_at_that_entry()
    {
        await GivenInvestigationWithDatasetAsync(TenNumbers);
        await AuditDatabase.WaitUntilSealedAsync(Server.ConnectionString);
        Assert.Equal(0, (await VerifyAsync()).ExitCode);

        await ExecuteAsync("update consortium.mt_doc_auditentry set data = jsonb_set(data, '{detail}', '\"0 imported, 0 rejected\"') where id = (select entry from consortium.mt_doc_auditseal where id = 3)");

        var (exitCode, output) = await VerifyAsync();
        Assert.Equal(1, exitCode);
        Assert.StartsWith("Audit chain broken at entry 3: its hash does not match its contents", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Editing_an_entry_and_recomputing_its_hash_without_the_key_is_detected_at_that_entry()
    {
        await GivenInvestigationWithDatasetAsync(TenNumbers);
        await AuditDatabase.WaitUntilSealedAsync(Server.ConnectionString);
        // The chain's format is public; its key is not in the database.
        var forged = await StoredEntryAsync(2) with { ActorUserId = "someone.else@bravo", ActorOutletId = "bravo" };
        forged = forged with { Hash = AuditChain.ComputeHash(forged) };

        await ExecuteAsync(
            "update consortium.mt_doc_auditentry set data = jsonb_set(jsonb_set(data, '{actorUserId}', to_jsonb(@actor)), '{actorOutletId}', '\"bravo\"') where id = (select entry from consortium.mt_doc_auditseal where id = 2)",
            ("actor", forged.ActorUserId));
        await ExecuteAsync("update consortium.mt_doc_auditseal set data = jsonb_set(data, '{hash}', to_jsonb(@hash)) where id = 2", ("hash", forged.Hash!));

        var (exitCode, output) = await VerifyAsync();
        Assert.Equal(1, exitCode);
        Assert.StartsWith("Audit chain broken at entry 2: it was sealed without the key after keyed entries", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_chain_resealed_without_the_key_from_genesis_does_not_pass_as_sealed_before_the_key()
    {
        await GivenInvestigationWithDatasetAsync(TenNumbers);
        await AuditDatabase.WaitUntilSealedAsync(Server.ConnectionString);
        var length = await ChainLengthAsync();

        // Whoever can write the tables but lacks the key: entry 1 edited, then every seal recomputed with public SHA-256.
        await using (await Server.Services.GetRequiredService<AuditSealer>().PauseAsync())
        {
            var previous = AuditChain.GenesisHash;
            for (var position = 1L; position <= length; position++)
            {
                var entry = await StoredEntryAsync(position) with { PreviousHash = previous };
                if (position == 1)
                {
                    entry = entry with { ActorUserId = "someone.else@bravo" };
                    await ExecuteAsync(
                        "update consortium.mt_doc_auditentry set data = jsonb_set(data, '{actorUserId}', to_jsonb(@actor)) where id = (select entry from consortium.mt_doc_auditseal where id = 1)",
                        ("actor", entry.ActorUserId!));
                }
                previous = AuditChain.ComputeHash(entry);
                await ExecuteAsync(
                    "update consortium.mt_doc_auditseal set data = jsonb_set(jsonb_set(data, '{previousHash}', to_jsonb(@previous)), '{hash}', to_jsonb(@hash)) where id = @position",
                    ("previous", entry.PreviousHash!), ("hash", previous), ("position", position));
            }
        }

        var (exitCode, output) = await VerifyAsync();
        // Only a number kept outside the database (the file beside the key) would let unkeyed entries through.
        var (withForgedPrefix, _) = await VerifyAsync("--unkeyed-prefix", length.ToString(System.Globalization.CultureInfo.InvariantCulture));

        Assert.True(File.Exists(Server.AuditKeyFile[..^".key".Length] + ".unkeyed-prefix"));
        Assert.Equal(1, exitCode);
        Assert.StartsWith("Audit chain broken at entry 1: it was sealed without the key, but only entries up to 0 predate the key", output, StringComparison.Ordinal);
        Assert.Equal(0, withForgedPrefix);
    }

    [Fact]
    public async Task The_chain_verifies_only_with_its_key()
    {
        await GivenInvestigationWithDatasetAsync(TenNumbers);
        await AuditDatabase.WaitUntilSealedAsync(Server.ConnectionString);

        var (withoutKey, output) = await AuditDatabase.VerifyWithoutKeyAsync(Server.ConnectionString);
        var (withKey, _) = await VerifyAsync();

        Assert.Equal(1, withoutKey);
        Assert.Contains("pass its key with --key-file", output, StringComparison.Ordinal);
        Assert.Equal(0, withKey);
    }

    [Fact]
    public async Task Editing_an_entry_and_recomputing_its_hash_with_the_stolen_key_is_detected_at_the_next_entry()
    {
        await GivenInvestigationWithDatasetAsync(TenNumbers);
        await AuditDatabase.WaitUntilSealedAsync(Server.ConnectionString);
        var forged = await StoredEntryAsync(2) with { ActorUserId = "someone.else@bravo", ActorOutletId = "bravo" };
        forged = forged with { Hash = AuditChain.ComputeKeyedHash(forged, await File.ReadAllBytesAsync(Server.AuditKeyFile)) };

        await ExecuteAsync(
            "update consortium.mt_doc_auditentry set data = jsonb_set(jsonb_set(data, '{actorUserId}', to_jsonb(@actor)), '{actorOutletId}', '\"bravo\"') where id = (select entry from consortium.mt_doc_auditseal where id = 2)",
            ("actor", forged.ActorUserId));
        await ExecuteAsync("update consortium.mt_doc_auditseal set data = jsonb_set(data, '{hash}', to_jsonb(@hash)) where id = 2", ("hash", forged.Hash!));

        var (exitCode, output) = await VerifyAsync();
        Assert.Equal(1, exitCode);
        Assert.StartsWith("Audit chain broken at entry 3: its previous hash does not match the hash of entry 2", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Swapping_two_entries_is_detected_where_the_order_changes()
    {
        await GivenInvestigationWithDatasetAsync(TenNumbers);
        await AuditDatabase.WaitUntilSealedAsync(Server.ConnectionString);

        // Entries 2 and 3 trade places, the positions inside their seals included (-1 parks one past the primary key).
        await ExecuteAsync("update consortium.mt_doc_auditseal set id = -1, data = jsonb_set(data, '{position}', '3') where id = 2");
        await ExecuteAsync("update consortium.mt_doc_auditseal set id = 2, data = jsonb_set(data, '{position}', '2') where id = 3");
        await ExecuteAsync("update consortium.mt_doc_auditseal set id = 3 where id = -1");

        var (exitCode, output) = await VerifyAsync();
        Assert.Equal(1, exitCode);
        Assert.StartsWith("Audit chain broken at entry 2: its previous hash does not match the hash of entry 1", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deleting_an_entry_is_detected_where_it_is_missing()
    {
        await GivenInvestigationWithDatasetAsync(TenNumbers);
        await AuditDatabase.WaitUntilSealedAsync(Server.ConnectionString);

        await ExecuteAsync("delete from consortium.mt_doc_auditentry where id = (select entry from consortium.mt_doc_auditseal where id = 2)");
        await ExecuteAsync("delete from consortium.mt_doc_auditseal where id = 2");

        var (exitCode, output) = await VerifyAsync();
        Assert.Equal(1, exitCode);
        Assert.StartsWith("Audit chain broken at entry 2: expected entry 2 after entry 1, found entry 3: entries were removed", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Removing_the_newest_entries_is_caught_by_the_stream_count_and_otherwise_only_by_an_anchor()
    {
        var (_, dataset) = await GivenInvestigationWithDatasetAsync(TenNumbers);
        await Server.ClientFor("tom@bravo").ListRecordsAsync(dataset.Id);
        await AuditDatabase.WaitUntilSealedAsync(Server.ConnectionString);
        var (_, before) = await VerifyAsync();
        var anchor = NewestEntry().Match(before).Groups[1].Value;
        var newest = long.Parse(anchor.Split(':')[0], System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(newest > 1);

        await ExecuteAsync("delete from consortium.mt_doc_auditentry where id = (select entry from consortium.mt_doc_auditseal where id = @version)", ("version", newest));
        await ExecuteAsync("delete from consortium.mt_doc_auditseal where id = @version", ("version", newest));
        var (exitCode, output) = await VerifyAsync();
        Assert.Equal(1, exitCode);
        Assert.StartsWith($"Audit chain broken at entry {newest}: the sealer counts {newest} entries but the chain ends at entry {newest - 1}", output, StringComparison.Ordinal);

        // Whoever can delete entries can also fix the count: then only a hash kept outside the database tells.
        await ExecuteAsync("update consortium.mt_doc_auditchainhead set data = jsonb_set(data, '{position}', to_jsonb(@version))", ("version", newest - 1));
        (exitCode, output) = await VerifyAsync();
        Assert.Equal((0, $"Audit chain intact: {newest - 1} entries"), (exitCode, output.Split('\n')[0]));
        (exitCode, output) = await VerifyAsync("--anchor", anchor);
        Assert.Equal(1, exitCode);
        Assert.StartsWith($"Audit chain broken at entry {newest}: the chain ends at entry {newest - 1}, but entry {newest} was anchored", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verification_of_an_empty_log_is_intact_and_of_a_missing_schema_cannot_be_done()
    {
        var (exitCode, output) = await VerifyAsync();
        Assert.Equal((0, "Audit chain intact: 0 entries"), (exitCode, output.Trim()));

        (exitCode, output) = await VerifyAsync("--schema", "nowhere");
        Assert.Equal(2, exitCode);
        Assert.StartsWith("error: no Consortium audit log in schema \"nowhere\"", output, StringComparison.Ordinal);
    }

    private Task<long> ChainLengthAsync() => AuditDatabase.ChainLengthAsync(Server);

    private Task<(int ExitCode, string Output)> VerifyAsync(params string[] options) => AuditDatabase.VerifyAsync(Server, options);

    private async Task<List<AuditEntryView>> AllEntriesAsync(Guid investigationId)
    {
        var coordinator = Server.ClientFor("ines@alpha");
        var entries = new List<AuditEntryView>();
        long? cursor = null;
        do
        {
            var page = await coordinator.ListAuditAsync(investigationId, after: cursor, limit: 20);
            entries.AddRange(page.Items);
            cursor = page.Next;
        }
        while (cursor is not null);
        return entries;
    }

    private async Task<AuditEntryView> StoredEntryAsync(long position)
    {
        await using var connection = new NpgsqlConnection(Server.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "select e.data::text, s.data ->> 'previousHash', s.data ->> 'hash' from consortium.mt_doc_auditseal as s join consortium.mt_doc_auditentry as e on e.id = s.entry where s.id = @position", connection);
        command.Parameters.AddWithValue("position", position);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        var entry = System.Text.Json.JsonSerializer.Deserialize<AuditEntryView>(reader.GetString(0), Json)!;
        return entry with { Position = position, PreviousHash = reader.GetString(1), Hash = reader.GetString(2) };
    }

    private Task ExecuteAsync(string sql, params (string Name, object Value)[] parameters) => ExecuteAsync(sql, 1, parameters);

    // As the tables' owner, who can switch the append-only trigger off: what the chain itself must still catch.
    private async Task ExecuteAsync(string sql, int expectedRows, params (string Name, object Value)[] parameters) =>
        Assert.Equal(expectedRows, await AuditDatabase.TamperAsync(Server.ConnectionString, sql, parameters));

    private static readonly System.Text.Json.JsonSerializerOptions Json = new(System.Text.Json.JsonSerializerDefaults.Web);

    [GeneratedRegex(@"^Newest entry: (\d+:[0-9a-f]{64})", RegexOptions.Multiline)]
    private static partial Regex NewestEntry();
}
