using System.Net;
using System.Security.Cryptography;

namespace Consortium.Server.Tests.Annotations;

[Collection(AnnotationsCollection.Name)]
public sealed class EvidenceFileTests(ConsortiumServer server) : ServerTest(server)
{
    /// <summary>A record, ana@lab as analyst, and a consortium-wide verification of the record brought to consent by tom@bravo.</summary>
    private async Task<(InvestigationView Investigation, RecordView Record, AnnotationView Verification)> GivenVerificationAtConsentAsync()
    {
        var (investigation, dataset) = await GivenInvestigationWithDatasetAsync("phone,country\n07700 900001,GB\n");
        var record = (await Server.ClientFor("ines@alpha").ListRecordsAsync(dataset.Id)).Items[0];
        await GivenMemberAsync(investigation.Id, "ana@lab", InvestigationRole.Analyst);
        var tom = Server.ClientFor("tom@bravo");
        var v = await tom.AddAnnotationAsync(record.Id, new NewAnnotation(AnnotationKinds.Verification));
        v = await tom.MoveVerificationAsync(v.Id, v.Version, new VerificationChange(VerificationStates.Identified));
        v = await tom.MoveVerificationAsync(v.Id, v.Version, new VerificationChange(VerificationStates.ConsentObtained));
        return (investigation, record, v);
    }

    private static byte[] RandomFile(int size)
    {
        var bytes = new byte[size];
        Random.Shared.NextBytes(bytes);
        return bytes;
    }

    [Fact]
    public async Task Evidence_cited_by_a_verification_is_downloaded_intact_by_another_outlet_and_audited()
    {
        var (investigation, _, v) = await GivenVerificationAtConsentAsync();
        var ana = Server.ClientFor("ana@lab");
        var report = RandomFile(700_000);
        var sha = Convert.ToHexStringLower(SHA256.HashData(report));

        var uploaded = await ana.UploadEvidenceAsync(investigation.Id, new MemoryStream(report));
        var again = await ana.UploadEvidenceAsync(investigation.Id, new MemoryStream(report));
        v = await ana.MoveVerificationAsync(v.Id, v.Version, new VerificationChange(VerificationStates.ForensicsSubmitted, "MVT", "2026-11-01",
            [new EvidenceView("mvt-report.zip", sha.ToUpperInvariant(), report.Length, "MVT check-backup output"), new EvidenceView("backup.tar", new string('b', 64), 10)]));

        Assert.Equal((sha, (long)report.Length), (uploaded.Sha256, uploaded.Size));
        Assert.Equal(uploaded, again);
        Assert.Equal([(sha, true), (new string('b', 64), false)], v.Verification!.Evidence!.Select(e => (e.Sha256, e.Stored)));
        using var copy = new MemoryStream();
        Assert.Equal(report.Length, await Server.ClientFor("marie@alpha").DownloadEvidenceAsync(v.Id, sha, copy));
        Assert.Equal(report, copy.ToArray());

        // A file the verification only fingerprints is not held, and the response of one held is a download, never a page.
        var notHeld = await Assert.ThrowsAsync<ConsortiumProblemException>(() => Server.ClientFor("marie@alpha").DownloadEvidenceAsync(v.Id, new string('b', 64), Stream.Null));
        Assert.Equal(HttpStatusCode.NotFound, notHeld.Status);
        using var http = Server.AnonymousClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"api/annotations/{v.Id}/evidence/{sha}");
        request.Headers.Authorization = new("Bearer", await Server.Accounts.AccessTokenAsync("marie@alpha"));
        using var response = await http.SendAsync(request);
        Assert.Equal("application/octet-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(("attachment", "mvt-report.zip"), (response.Content.Headers.ContentDisposition?.DispositionType, response.Content.Headers.ContentDisposition?.FileNameStar));
        Assert.Equal("nosniff", string.Join(",", response.Headers.GetValues("X-Content-Type-Options")));

        var audit = (await Server.ClientFor("ines@alpha").ListAuditAsync(investigation.Id)).Items;
        // The lab's uploads are another outlet's to the coordinator (alpha): listed, without the file's hash.
        Assert.Equal(2, audit.Count(e => e.Action == AuditActions.EvidenceUploaded && e.Detail == "withheld: another outlet's terms"));
        var downloads = audit.Where(e => e.Action == AuditActions.EvidenceDownloaded).ToList();
        Assert.Equal(2, downloads.Count);
        var marieId = (await Server.Accounts.AccountAsync("marie@alpha")).Id;
        Assert.All(downloads, d => Assert.Equal((marieId, v.Id.ToString()), (d.ActorUserId, d.TargetId)));
        // The coordinator reads the audit log without being entitled to every verification: no file names in it.
        Assert.All(audit, e => Assert.DoesNotContain("mvt-report", e.Detail ?? "", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Evidence_is_only_reached_through_a_verification_the_caller_may_read()
    {
        var (investigation, record, shared) = await GivenVerificationAtConsentAsync();
        var ana = Server.ClientFor("ana@lab");
        var report = RandomFile(4096);
        var sha = Convert.ToHexStringLower(SHA256.HashData(report));
        await ana.UploadEvidenceAsync(investigation.Id, new MemoryStream(report));
        // The lab's own verification, for the lab only, cites the file; the consortium-wide one does not.
        var labOnly = await ana.AddAnnotationAsync(record.Id, new NewAnnotation(AnnotationKinds.Verification, Visibility: Visibility.Outlet));
        labOnly = await ana.MoveVerificationAsync(labOnly.Id, labOnly.Version, new VerificationChange(VerificationStates.Identified));
        labOnly = await ana.MoveVerificationAsync(labOnly.Id, labOnly.Version, new VerificationChange(VerificationStates.ConsentObtained));
        labOnly = await ana.MoveVerificationAsync(labOnly.Id, labOnly.Version, new VerificationChange(VerificationStates.ForensicsSubmitted,
            Evidence: [new EvidenceView("extraction.zip", sha, report.Length)]));

        using var copy = new MemoryStream();
        await Server.ClientFor("lena@lab").DownloadEvidenceAsync(labOnly.Id, sha, copy);
        Assert.Equal(report, copy.ToArray());
        foreach (var (user, annotationId) in new[] { ("marie@alpha", labOnly.Id), ("tom@bravo", labOnly.Id), ("tom@bravo", shared.Id), ("nadia@charlie", labOnly.Id) })
        {
            var refused = await Assert.ThrowsAsync<ConsortiumProblemException>(() => Server.ClientFor(user).DownloadEvidenceAsync(annotationId, sha, Stream.Null));
            Assert.Equal(HttpStatusCode.NotFound, refused.Status);
        }
        var audit = (await Server.ClientFor("ines@alpha").ListAuditAsync(investigation.Id, action: AuditActions.EvidenceDownloaded)).Items;
        Assert.Equal([(await Server.Accounts.AccountAsync("lena@lab")).Id], audit.Select(e => e.ActorUserId));
    }

    [Fact]
    public async Task Bad_evidence_uploads_and_citations_are_refused_and_store_nothing()
    {
        var (investigation, _, v) = await GivenVerificationAtConsentAsync();
        await GivenMemberAsync(investigation.Id, "rhea@alpha", InvestigationRole.ReadOnly);
        var ana = Server.ClientFor("ana@lab");
        var report = RandomFile(2048);
        var sha = Convert.ToHexStringLower(SHA256.HashData(report));

        var readOnly = await Assert.ThrowsAsync<ConsortiumProblemException>(() => Server.ClientFor("rhea@alpha").UploadEvidenceAsync(investigation.Id, new MemoryStream(report)));
        var outsider = await Assert.ThrowsAsync<ConsortiumProblemException>(() => Server.ClientFor("nadia@charlie").UploadEvidenceAsync(investigation.Id, new MemoryStream(report)));
        var empty = await Assert.ThrowsAsync<ConsortiumProblemException>(() => ana.UploadEvidenceAsync(investigation.Id, new MemoryStream()));
        var tooLarge = await Assert.ThrowsAsync<ConsortiumProblemException>(() => ana.UploadEvidenceAsync(investigation.Id, new MemoryStream(new byte[65 * 1024 * 1024])));
        Assert.Equal([HttpStatusCode.Forbidden, HttpStatusCode.NotFound, HttpStatusCode.BadRequest, HttpStatusCode.RequestEntityTooLarge],
            [readOnly.Status, outsider.Status, empty.Status, tooLarge.Status]);

        await ana.UploadEvidenceAsync(investigation.Id, new MemoryStream(report));
        var wrongSize = await Assert.ThrowsAsync<ConsortiumProblemException>(() => ana.MoveVerificationAsync(v.Id, v.Version,
            new VerificationChange(VerificationStates.ForensicsSubmitted, Evidence: [new EvidenceView("report.zip", sha, report.Length + 1)])));
        Assert.Equal(HttpStatusCode.BadRequest, wrongSize.Status);
        var unchanged = await ana.GetAnnotationAsync(v.Id);
        Assert.Equal((v.Version, VerificationStates.ConsentObtained), (unchanged.Version, unchanged.Verification!.State));
        Assert.Single((await Server.ClientFor("ines@alpha").ListAuditAsync(investigation.Id, action: AuditActions.EvidenceUploaded)).Items);
    }
}
