using System.Net;
using Npgsql;

namespace Consortium.Server.Tests.Audit;

/// <summary>
/// The audit rows as the application's own database role meets them (append-only), and the chain's newest hash published
/// for a second party to hold: the CLI's <c>audit anchor</c> and the coordinators' endpoint.
/// </summary>
[Collection(AuditCollection.Name)]
public sealed class AuditIntegrityTests(ConsortiumServer server) : ServerTest(server)
{
    private const string TenNumbers = "phone,country\n07700 900001,GB\n07700 900002,GB\n";

    [Theory]
    [InlineData("update consortium.mt_doc_auditentry set data = jsonb_set(data, '{detail}', '\"nothing happened\"')")]
    [InlineData("delete from consortium.mt_doc_auditentry")]
    [InlineData("update consortium.mt_doc_auditseal set data = jsonb_set(data, '{hash}', '\"0\"')")]
    [InlineData("delete from consortium.mt_doc_auditseal")]
    [InlineData("truncate consortium.mt_doc_auditentry")]
    [InlineData("truncate consortium.mt_doc_auditseal")]
    [InlineData("truncate consortium.mt_doc_auditseal, consortium.mt_doc_auditentry cascade")]
    public async Task The_applications_database_role_cannot_change_or_delete_audit_rows(string sql)
    {
        await GivenInvestigationWithDatasetAsync(TenNumbers);
        await AuditDatabase.WaitUntilSealedAsync(Server.ConnectionString);
        var before = await AuditDatabase.ChainLengthAsync(Server);

        // The server's own connection string: the role that an injected statement would run as.
        await using var connection = new NpgsqlConnection(Server.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        var refused = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync());

        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, refused.SqlState);
        Assert.Contains("append-only", refused.MessageText, StringComparison.Ordinal);
        Assert.Equal(before, await AuditDatabase.ChainLengthAsync(Server));
    }

    [Fact]
    public async Task The_anchor_command_writes_the_newest_position_and_hash_which_verify_then_holds_the_chain_to()
    {
        await GivenInvestigationWithDatasetAsync(TenNumbers);
        var length = await AuditDatabase.ChainLengthAsync(Server);
        var file = Path.Combine(Path.GetTempPath(), $"consortium-anchor-{Guid.NewGuid():N}.txt");
        try
        {
            var (exitCode, output) = await AuditDatabase.RunAsync(["audit", "anchor", "--connection", Server.ConnectionString, "--out", file]);

            Assert.Equal(0, exitCode);
            var anchor = output.Trim();
            Assert.Matches($"^{length}:[0-9a-f]{{64}}$", anchor);
            Assert.Equal(anchor, (await File.ReadAllTextAsync(file)).Trim());
            Assert.Equal(0, (await AuditDatabase.VerifyAsync(Server, "--anchor", anchor)).ExitCode);

            // An operator who cuts the newest entries off (trigger switched off first) is caught by the anchor.
            await AuditDatabase.TamperAsync(Server.ConnectionString, $"delete from consortium.mt_doc_auditseal where id = {length}");
            await AuditDatabase.TamperAsync(Server.ConnectionString, $"update consortium.mt_doc_auditchainhead set data = jsonb_set(data, '{{position}}', '{length - 1}')");
            var (cut, report) = await AuditDatabase.VerifyAsync(Server, "--anchor", anchor);
            Assert.Equal(1, cut);
            Assert.Contains("the newest entries were removed", report, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Coordinators_read_the_same_anchor_over_the_api_and_other_members_are_refused()
    {
        var (investigation, _) = await GivenInvestigationWithDatasetAsync(TenNumbers);
        var length = await AuditDatabase.ChainLengthAsync(Server);
        var (_, anchorOutput) = await AuditDatabase.RunAsync(["audit", "anchor", "--connection", Server.ConnectionString]);

        var anchor = await Server.ClientFor("ines@alpha").GetAuditAnchorAsync(investigation.Id);

        Assert.True(anchor.Position >= length);
        if (anchor.Position == length)
        {
            Assert.Equal(anchorOutput.Trim(), anchor.ToString());
        }
        var reporter = await Assert.ThrowsAsync<ConsortiumProblemException>(() => Server.ClientFor("tom@bravo").GetAuditAnchorAsync(investigation.Id));
        Assert.Equal(HttpStatusCode.Forbidden, reporter.Status);
        var outsider = await Assert.ThrowsAsync<ConsortiumProblemException>(() => Server.ClientFor("zoe@charlie").GetAuditAnchorAsync(investigation.Id));
        Assert.Equal(HttpStatusCode.NotFound, outsider.Status);
    }
}
