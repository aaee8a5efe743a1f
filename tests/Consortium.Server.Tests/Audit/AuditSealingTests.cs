using Consortium.Server.Audit;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Consortium.Server.Tests.Audit;

/// <summary>
/// Entries are written without a lock in their action's transaction and sealed into the chain afterwards by one sealer
/// per database (docs/decisions/0010-audit-sealed-chain.md): what that must never lose or fork.
/// </summary>
[Collection(AuditCollection.Name)]
public sealed class AuditSealingTests(ConsortiumServer server) : ServerTest(server)
{
    private const string TenNumbers =
        "phone,country\n07700 900000,GB\n07700 900001,GB\n07700 900002,GB\n07700 900003,GB\n07700 900004,GB\n" +
        "07700 900005,GB\n07700 900006,GB\n07700 900007,GB\n07700 900008,GB\n07700 900009,GB\n";

    private static readonly AuditOrigin Origin = new("audit-test", "127.0.0.1", "AuditTest/1.0");

    private AuditSealer Sealer => Server.Services.GetRequiredService<AuditSealer>();

    [Fact]
    public async Task Entries_from_many_concurrent_sessions_are_each_sealed_exactly_once_into_one_intact_chain()
    {
        var (investigation, dataset) = await GivenInvestigationWithDatasetAsync(TenNumbers);
        var tom = Server.ClientFor("tom@bravo");
        var records = (await tom.ListRecordsAsync(dataset.Id)).Items;
        var before = await AuditDatabase.ChainLengthAsync(Server);
        var log = Server.Services.GetRequiredService<AuditLog>();

        // 300 entries each in a session and transaction of its own, all at once, alongside audited reads and notes.
        var direct = Enumerable.Range(0, 300).Select(i => log.RecordAsync(new AuditActor($"probe-{i % 7}", "Probe", "alpha"), Origin,
            new AuditSubject(AuditActions.RecordRead, investigation.Id, AuditTargets.Record, records[i % 10].Id.ToString()), CancellationToken.None)).ToList();
        var requests = Enumerable.Range(0, 40).Select(i => i % 4 == 3
            ? (Task)tom.AddNoteAsync(records[i % 10].Id, new NewNote($"note {i}"))
            : tom.GetRecordAsync(records[i % 10].Id)).ToList();
        await Task.WhenAll(requests.Concat(direct));

        Assert.Equal(before + 340, await AuditDatabase.ChainLengthAsync(Server));
        var positions = await AuditDatabase.PositionsAsync(Server.ConnectionString);
        // Every entry written is in the chain, once, and nothing else is: positions are exactly 1..length.
        Assert.All(direct, written => Assert.NotNull(positions[written.Result.Index]));
        Assert.Equal(Enumerable.Range(1, (int)before + 340).Select(p => (long?)p), positions.Values.Order());
    }

    [Fact]
    public async Task A_rolled_back_transaction_leaves_no_entry_and_no_gap_in_the_chain()
    {
        var (investigation, _) = await GivenInvestigationWithDatasetAsync(TenNumbers);
        var before = await AuditDatabase.ChainLengthAsync(Server);
        var log = Server.Services.GetRequiredService<AuditLog>();
        var subject = new AuditSubject(AuditActions.InvestigationCreated, investigation.Id, AuditTargets.Investigation, investigation.Id.ToString(), "rolled back");

        AuditEntryView rolledBack;
        await using (var connection = new NpgsqlConnection(Server.ConnectionString))
        {
            await connection.OpenAsync();
            await using var transaction = await connection.BeginTransactionAsync();
            rolledBack = await log.AppendWithinAsync(transaction, new AuditActor("someone", "Someone", "alpha"), Origin, subject, CancellationToken.None);
            await transaction.RollbackAsync();
        }
        var kept = await log.RecordAsync(new AuditActor("someone", "Someone", "alpha"), Origin, subject with { Detail = "kept" }, CancellationToken.None);

        Assert.Equal(before + 1, await AuditDatabase.ChainLengthAsync(Server));
        var positions = await AuditDatabase.PositionsAsync(Server.ConnectionString);
        Assert.False(positions.ContainsKey(rolledBack.Index));
        Assert.Equal(before + 1, positions[kept.Index]);
        var listed = (await Server.ClientFor("ines@alpha").ListAuditAsync(investigation.Id, action: AuditActions.InvestigationCreated)).Items;
        Assert.DoesNotContain(listed, e => e.Detail == "rolled back");
        Assert.Contains(listed, e => e.Detail == "kept");
    }

    [Fact]
    public async Task Entries_written_while_the_sealer_is_stopped_are_reported_then_sealed_when_it_starts()
    {
        var (investigation, dataset) = await GivenInvestigationWithDatasetAsync(TenNumbers);
        // Of the coordinator's outlet: another outlet's reads are listed without their hashes (AuditOutletWallTests).
        var tom = Server.ClientFor("marie@alpha");
        var records = (await tom.ListRecordsAsync(dataset.Id)).Items;
        var before = await AuditDatabase.ChainLengthAsync(Server);

        await Sealer.StopAsync(CancellationToken.None);
        try
        {
            foreach (var record in records.Take(5))
            {
                await tom.GetRecordAsync(record.Id);
            }
            // Written and listed (the reads answered), but not in the chain.
            Assert.Equal(5, (await Server.ClientFor("ines@alpha").ListAuditAsync(investigation.Id, action: AuditActions.RecordRead)).Items.Count);
            Assert.Equal(5, await AuditDatabase.UnsealedCountAsync(Server.ConnectionString));

            var (exitCode, output) = await AuditDatabase.VerifyAsync(Server);
            Assert.Equal(0, exitCode);
            Assert.Contains($"Audit chain intact: {before} entries", output, StringComparison.Ordinal);
            Assert.Contains("Not sealed yet: 5 entries", output, StringComparison.Ordinal);
            (exitCode, output) = await AuditDatabase.VerifyAsync(Server, "--unsealed-after", "0");
            Assert.Equal(1, exitCode);
            Assert.Contains("Audit log incomplete: 5 entries have waited more than 0 s to be sealed", output, StringComparison.Ordinal);
        }
        finally
        {
            await Sealer.StartAsync(CancellationToken.None);
        }

        Assert.Equal(before + 5, await AuditDatabase.ChainLengthAsync(Server));
        var reads = (await Server.ClientFor("ines@alpha").ListAuditAsync(investigation.Id, action: AuditActions.RecordRead)).Items;
        var key = await File.ReadAllBytesAsync(Server.AuditKeyFile);
        Assert.Equal(5, reads.Count);
        foreach (var read in reads)
        {
            var stored = await AuditDatabase.SealedEntryAsync(Server.ConnectionString, read.Index);
            Assert.Equal(AuditChain.ComputeKeyedHash(stored, key), stored.Hash);
        }
    }

    [Fact]
    public async Task Two_servers_on_one_database_write_one_chain_and_take_over_sealing_from_each_other()
    {
        var (investigation, dataset) = await GivenInvestigationWithDatasetAsync(TenNumbers);
        var tom = Server.ClientFor("tom@bravo");
        var records = (await tom.ListRecordsAsync(dataset.Id)).Items;
        var before = await AuditDatabase.ChainLengthAsync(Server);
        var first = Server.Services.GetRequiredService<AuditLog>();
        Task<AuditEntryView> Read(AuditLog log, int i) => log.RecordAsync(new AuditActor($"reader-{i % 5}", "Reader", "bravo"), Origin,
            new AuditSubject(AuditActions.RecordRead, investigation.Id, AuditTargets.Record, records[i % 10].Id.ToString()), CancellationToken.None);

        await using (var second = await ConsortiumServer.SharingDatabaseWithAsync(Server))
        {
            var other = second.Services.GetRequiredService<AuditLog>();
            // Both servers write at once; each has a sealer, and at most one of them may seal.
            await Task.WhenAll(Enumerable.Range(0, 300).Select(i => (Task)(i % 2 == 0 ? Read(first, i) : Read(other, i)))
                .Concat(Enumerable.Range(0, 20).Select(i => (Task)tom.GetRecordAsync(records[i % 10].Id))));
            Assert.Equal(before + 320, await AuditDatabase.ChainLengthAsync(Server));

            // This server's sealer stops (as in a deploy): the second server's takes over and seals what both write.
            await Sealer.StopAsync(CancellationToken.None);
            try
            {
                await Task.WhenAll(Enumerable.Range(0, 100).Select(i => i % 2 == 0 ? Read(first, i) : Read(other, i)));
                Assert.Equal(before + 420, await AuditDatabase.ChainLengthAsync(Server));
            }
            finally
            {
                await Sealer.StartAsync(CancellationToken.None);
            }
            await Task.WhenAll(Enumerable.Range(0, 50).Select(i => i % 2 == 0 ? Read(first, i) : Read(other, i)));
            Assert.Equal(before + 470, await AuditDatabase.ChainLengthAsync(Server));
        }

        // The second server is gone, and with it its lock: this one seals again.
        await Task.WhenAll(Enumerable.Range(0, 30).Select(i => Read(first, i)));
        Assert.Equal(before + 500, await AuditDatabase.ChainLengthAsync(Server));
        var positions = await AuditDatabase.PositionsAsync(Server.ConnectionString);
        Assert.Equal(Enumerable.Range(1, (int)before + 500).Select(p => (long?)p), positions.Values.Order());
    }
}
