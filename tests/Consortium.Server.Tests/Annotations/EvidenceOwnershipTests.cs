using System.Net;
using System.Security.Cryptography;

namespace Consortium.Server.Tests.Annotations;

/// <summary>
/// Issue 17, item 8 and "evidence by hash": an evidence file is its uploader's outlet's until that outlet cites it in a
/// verification; knowing its hash neither opens it nor tells whether the investigation holds it.
/// </summary>
[Collection(AnnotationsCollection.Name)]
public sealed class EvidenceOwnershipTests(ConsortiumServer server) : ServerTest(server)
{
    private static readonly byte[] LabReport = "lab extraction of the aide's phone"u8.ToArray();
    private static readonly string LabSha = Convert.ToHexStringLower(SHA256.HashData(LabReport));

    /// <summary>The lab's analyst uploads a report and cites it in a lab-only verification; bravo has an analyst too.</summary>
    private async Task<(InvestigationView Investigation, RecordView Record, AnnotationView LabVerification)> GivenLabEvidenceAsync()
    {
        var (investigation, dataset) = await GivenInvestigationWithDatasetAsync("phone,country\n07700 900001,GB\n");
        var record = (await Server.ClientFor("ines@alpha").ListRecordsAsync(dataset.Id)).Items[0];
        await GivenMemberAsync(investigation.Id, "ana@lab", InvestigationRole.Analyst);
        await GivenMemberAsync(investigation.Id, "bob@bravo", InvestigationRole.Analyst);
        var ana = Server.ClientFor("ana@lab");
        await ana.UploadEvidenceAsync(investigation.Id, new MemoryStream(LabReport));
        var v = await ToConsentAsync(ana, record.Id, Visibility.Outlet);
        v = await ana.MoveVerificationAsync(v.Id, v.Version, new VerificationChange(VerificationStates.ForensicsSubmitted,
            Evidence: [new EvidenceView("extraction.zip", LabSha, LabReport.Length)]));
        return (investigation, record, v);
    }

    private static async Task<AnnotationView> ToConsentAsync(ConsortiumClient client, Guid recordId, Visibility visibility)
    {
        var v = await client.AddAnnotationAsync(recordId, new NewAnnotation(AnnotationKinds.Verification, Visibility: visibility));
        v = await client.MoveVerificationAsync(v.Id, v.Version, new VerificationChange(VerificationStates.Identified));
        return await client.MoveVerificationAsync(v.Id, v.Version, new VerificationChange(VerificationStates.ConsentObtained));
    }

    [Fact]
    public async Task Citing_another_outlets_hash_in_ones_own_verification_neither_downloads_the_file_nor_tells_it_is_held()
    {
        var (investigation, record, _) = await GivenLabEvidenceAsync();
        var bob = Server.ClientFor("bob@bravo");
        var own = await ToConsentAsync(bob, record.Id, Visibility.Consortium);

        // A wrong size for a file the lab holds is not refused: bravo holds no such file, so nothing is compared.
        own = await bob.MoveVerificationAsync(own.Id, own.Version, new VerificationChange(VerificationStates.ForensicsSubmitted,
            Evidence: [new EvidenceView("stolen.zip", LabSha, LabReport.Length + 1)]));
        Assert.False(Assert.Single(own.Verification!.Evidence!).Stored);

        foreach (var user in new[] { "bob@bravo", "tom@bravo", "ines@alpha", "ana@lab" })
        {
            var refused = await Assert.ThrowsAsync<ConsortiumProblemException>(() => Server.ClientFor(user).DownloadEvidenceAsync(own.Id, LabSha, Stream.Null));
            Assert.Equal(HttpStatusCode.NotFound, refused.Status);
        }
        // The refusal is recorded, with the verification as its target.
        var denied = (await Server.ClientFor("ines@alpha").ListAuditAsync(investigation.Id, action: "access.denied")).Items;
        Assert.Contains(denied, e => e.TargetId == own.Id.ToString());
    }

    [Fact]
    public async Task Uploading_bytes_another_outlet_holds_answers_exactly_as_uploading_new_bytes()
    {
        var (investigation, _, _) = await GivenLabEvidenceAsync();
        var bob = Server.ClientFor("bob@bravo");
        var fresh = "bravo's own report"u8.ToArray();

        async Task<(HttpStatusCode Status, EvidenceFileView File)> UploadAsync(byte[] bytes)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"api/investigations/{investigation.Id}/evidence") { Content = new ByteArrayContent(bytes) };
            using var response = await bob.SendAsync(request);
            return (response.StatusCode, (await System.Net.Http.Json.HttpContentJsonExtensions.ReadFromJsonAsync<EvidenceFileView>(response.Content))!);
        }

        var before = DateTimeOffset.UtcNow;
        var held = await UploadAsync(LabReport);
        var novel = await UploadAsync(fresh);

        Assert.Equal((HttpStatusCode.Created, HttpStatusCode.Created), (held.Status, novel.Status));
        // The time is bravo's own upload's, not the lab's earlier one.
        Assert.True(held.File.UploadedAt >= before.AddSeconds(-1), $"{held.File.UploadedAt} is before {before}");
        Assert.Equal((LabSha, (long)LabReport.Length), (held.File.Sha256, held.File.Size));
    }

    [Fact]
    public async Task Uploading_bytes_another_outlet_holds_stores_them_again_so_the_answer_takes_as_long_as_for_new_bytes()
    {
        var (investigation, _, _) = await GivenLabEvidenceAsync();
        var before = await StoredRowAsync(investigation.Id, LabSha);

        await Server.ClientFor("bob@bravo").UploadEvidenceAsync(investigation.Id, new MemoryStream(LabReport));

        // Timing belongs to the benchmark, not to a test: what is checked is that the same work was done, the bytes
        // written again (a new row version), while the first upload's author and time are kept.
        var after = await StoredRowAsync(investigation.Id, LabSha);
        Assert.NotEqual(before.Version, after.Version);
        Assert.Equal((before.UploadedBy, before.UploadedAt), (after.UploadedBy, after.UploadedAt));
        Assert.Equal(LabReport, after.Content);
    }

    private async Task<(string Version, string UploadedBy, DateTimeOffset UploadedAt, byte[] Content)> StoredRowAsync(Guid investigationId, string sha256)
    {
        await using var connection = new Npgsql.NpgsqlConnection(Server.ConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(
            "select xmin::text, uploaded_by, uploaded_at, content from consortium.evidence_file where investigation_id = $1 and sha256 = $2", connection);
        command.Parameters.Add(new() { Value = investigationId });
        command.Parameters.Add(new() { Value = sha256 });
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        return (reader.GetString(0), reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2), reader.GetFieldValue<byte[]>(3));
    }

    [Fact]
    public async Task A_file_is_shared_once_its_own_outlet_cites_it_in_a_verification_the_reader_may_read()
    {
        var (_, record, labOnly) = await GivenLabEvidenceAsync();
        var ana = Server.ClientFor("ana@lab");
        var shared = await ToConsentAsync(ana, record.Id, Visibility.Consortium);
        shared = await ana.MoveVerificationAsync(shared.Id, shared.Version, new VerificationChange(VerificationStates.ForensicsSubmitted,
            Evidence: [new EvidenceView("extraction.zip", LabSha, LabReport.Length)]));

        using var copy = new MemoryStream();
        await Server.ClientFor("tom@bravo").DownloadEvidenceAsync(shared.Id, LabSha, copy);
        Assert.Equal(LabReport, copy.ToArray());
        var refused = await Assert.ThrowsAsync<ConsortiumProblemException>(() => Server.ClientFor("tom@bravo").DownloadEvidenceAsync(labOnly.Id, LabSha, Stream.Null));
        Assert.Equal(HttpStatusCode.NotFound, refused.Status);
    }
}
