using System.Security.Cryptography;
using System.Text;
using Consortium.Client;
using Consortium.Server.Access;
using Consortium.Server.Annotations;
using Consortium.Server.Audit;
using Consortium.Server.Identity;

namespace Consortium.Server.Demo;

/// <summary>
/// Two weeks of invented work on the leak, written through <see cref="DemoWriter"/>: notes of every visibility, tags,
/// identifications, threads with mentions and assignments, verifications in every state with the lab's evidence files,
/// a retraction, and reads of records (the "recently viewed" lists). Deterministic, so every demo looks alike.
/// </summary>
internal sealed class DemoActivity(DemoWriter writer, IServiceProvider services, Investigation investigation, DateTimeOffset now)
{
    public const int HotRecords = 80;

    // Every end state a verification can reach, and the states on the way: the board shows each column filled.
    private static readonly string[] TargetStates =
    [
        VerificationStates.Unverified, VerificationStates.Identified, VerificationStates.ConsentObtained, VerificationStates.ForensicsSubmitted,
        VerificationStates.Infected, VerificationStates.Attempted, VerificationStates.Inconclusive, VerificationStates.NoEvidence, VerificationStates.PeerReviewed,
    ];

    // Records are seeded eight at a time (each one's steps in order): a first start waits far less (commits are waits on the disk, not work), and the
    // changes feed is built for commits that land out of sequence order anyway. So each record has its own dice.
    private const int InParallel = 8;
    private readonly List<(string Name, string Sha256, long Size)> evidence = [];

    private ConsortiumUser Person(string localPart) =>
        investigation.People.Where(p => p.DisplayName == DemoAccounts.DisplayNameOf(localPart)).Select(User).First();

    private static ConsortiumUser User(Membership m) => new(m.UserId, m.DisplayName, m.OutletId);

    private IReadOnlyList<ConsortiumUser> Newsroom => investigation.People.Where(p => p.Role is InvestigationRole.Reporter or InvestigationRole.Editor or InvestigationRole.Coordinator).Select(User).ToList();

    private static string Pick(Random random, string[] items) => items[random.Next(items.Length)];

    public async Task<int> SeedAsync(IReadOnlyList<Guid> records, IReadOnlyList<Guid> compartmentRecords, CancellationToken cancellationToken)
    {
        await StoreEvidenceAsync(cancellationToken);
        var written = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, records.Count), new ParallelOptions { MaxDegreeOfParallelism = InParallel, CancellationToken = cancellationToken },
            async (i, ct) => Interlocked.Add(ref written, await SeedRecordAsync(i, records[i], records.Count, ct)));
        var analyst = Person("hanna.vogel");
        var reviewer = Person("felix.brandt");
        // The forensic compartment: the lab's working notes, visible only to the outlets the dataset is shared with.
        foreach (var (record, index) in compartmentRecords.Select((r, n) => (r, n)))
        {
            await writer.AddAsync(index % 2 == 0 ? analyst : reviewer, record, new NewAnnotation(AnnotationKinds.Note,
                index % 2 == 0 ? "Handset imaged; extraction queued for Thursday." : "Backup decrypted; first pass shows no indicators."), now.AddHours(-index - 2), cancellationToken);
            written++;
        }
        return written;
    }

    private async Task<int> SeedRecordAsync(int i, Guid record, int count, CancellationToken cancellationToken)
    {
        var written = 0;
        var random = new Random(2026 + i);
        var analyst = Person("hanna.vogel");
        var reviewer = Person("felix.brandt");
        var camille = Person("camille.roux");
        var newsroom = Newsroom;
        {
            // Oldest first, two weeks back, the last ones an hour ago: "what changed since you last looked" has both.
            var at = now - TimeSpan.FromHours((count - i) * 4 + 1);
            DateTimeOffset Next() => at = at.AddMinutes(random.Next(3, 40));
            var author = newsroom[(i * 7) % newsroom.Count];
            var other = newsroom.Where(p => p.OutletId != author.OutletId).ElementAt(random.Next(newsroom.Count - 2));
            var colleague = newsroom.FirstOrDefault(p => p.OutletId == author.OutletId && p.UserId != author.UserId) ?? author;

            // The thread: a consortium note, sometimes mentioning a partner (or the coordinator), answered by them.
            var mention = i % 4 == 0 ? (i % 8 == 0 ? camille : other) : null;
            var text = DemoTexts.ConsortiumNotes[i % DemoTexts.ConsortiumNotes.Length] + (mention is null ? "" : $" @{mention.UserId} can you check?");
            var note = await writer.AddAsync(author, record, new NewAnnotation(AnnotationKinds.Note, text), Next(), cancellationToken);
            written++;
            if (note is not null && i % 2 == 0)
            {
                var replier = mention ?? other;
                await writer.AddAsync(replier, record, new NewAnnotation(AnnotationKinds.Comment, DemoTexts.Replies[i % DemoTexts.Replies.Length], ParentId: note.Id), Next(), cancellationToken);
                written++;
                if (i % 6 == 0)
                {
                    await writer.AddAsync(author, record, new NewAnnotation(AnnotationKinds.Comment, $"Thanks @{replier.UserId}, noted.", ParentId: note.Id), Next(), cancellationToken);
                    written++;
                }
                if (i % 8 == 4)
                {
                    await writer.ResolveAsync(author, note.Id, Next(), cancellationToken);
                }
            }
            if (note is not null && i % 5 == 1)
            {
                await writer.AssignAsync(author, note.Id, (i % 10 == 1 ? camille : other).UserId, Next(), cancellationToken);
            }
            if (note is not null && i % 15 == 14)
            {
                await writer.RetractAsync(author, note.Id, DemoTexts.Retractions[i % DemoTexts.Retractions.Length], Next(), cancellationToken);
            }

            // What the outlet keeps to itself, what one person keeps to themselves, and what two outlets share.
            if (i % 3 == 0)
            {
                await writer.AddAsync(colleague, record, new NewAnnotation(AnnotationKinds.Note, Pick(random, DemoTexts.OutletNotes), Visibility.Outlet), Next(), cancellationToken);
                written++;
            }
            if (i % 5 == 0)
            {
                await writer.AddAsync(author, record, new NewAnnotation(AnnotationKinds.Note, Pick(random, DemoTexts.PrivateNotes), Visibility.Private), Next(), cancellationToken);
                written++;
            }
            if (i % 7 == 0)
            {
                await writer.AddAsync(author, record, new NewAnnotation(AnnotationKinds.Note, Pick(random, DemoTexts.PartnerNotes), Visibility.Partners, [other.OutletId]), Next(), cancellationToken);
                written++;
            }

            // Tags and who is behind the number.
            await writer.AddAsync(other, record, new NewAnnotation(AnnotationKinds.Tag, Tag: DemoTexts.Tags[i % DemoTexts.Tags.Length]), Next(), cancellationToken);
            written++;
            if (i % 4 == 1)
            {
                await writer.AddAsync(colleague, record, new NewAnnotation(AnnotationKinds.Tag, Visibility: Visibility.Outlet, Tag: "our-source"), Next(), cancellationToken);
                written++;
            }
            if (i % 2 == 1)
            {
                var (person, role) = DemoTexts.Identifications[i / 2 % DemoTexts.Identifications.Length];
                await writer.AddAsync(author, record, new NewAnnotation(AnnotationKinds.Identification, Visibility: i % 6 == 1 ? Visibility.Outlet : Visibility.Consortium,
                    Identification: new IdentificationView(person, role, "", DemoTexts.Confidences[i % 3], ["Carrier records", "Interview with the owner"])), Next(), cancellationToken);
                written++;
            }

            // A verification for two numbers in three, each stopped at a different state.
            if (i % 3 != 2)
            {
                // The how-manieth verification this is (two in every three records), so the states go round in turn.
                var target = TargetStates[(i / 3 * 2 + i % 3) % TargetStates.Length];
                // The lab's own triage is outlet-only; the newsroom's verifications are the consortium's.
                var labOnly = i % 11 == 4;
                var opener = labOnly ? analyst : author;
                var verification = await writer.AddAsync(opener, record, new NewAnnotation(AnnotationKinds.Verification, Visibility: labOnly ? Visibility.Outlet : Visibility.Consortium), Next(), cancellationToken);
                written++;
                if (verification is not null)
                {
                    await MoveToAsync(verification.Id, target, labOnly ? analyst : author, analyst, reviewer, i, Next, cancellationToken);
                    if (i % 4 == 2 && target is VerificationStates.ConsentObtained or VerificationStates.Identified)
                    {
                        await writer.AssignAsync(author, verification.Id, analyst.UserId, Next(), cancellationToken);
                    }
                }
            }

            // Reads by the author's desk and a partner: the record page's "recently viewed in your outlet".
            if (i < 30)
            {
                foreach (var reader in new[] { author, colleague, other }.DistinctBy(p => p.UserId))
                {
                    await writer.ViewAsync(reader, record, cancellationToken);
                }
            }
        }
        return written;
    }

    private async Task MoveToAsync(Guid id, string target, ConsortiumUser newsroom, ConsortiumUser analyst, ConsortiumUser reviewer, int i, Func<DateTimeOffset> next, CancellationToken cancellationToken)
    {
        if (target == VerificationStates.Unverified)
        {
            return;
        }
        await writer.MoveVerificationAsync(newsroom, id, new VerificationChange(VerificationStates.Identified, Comment: "Owner identified through the carrier."), next(), cancellationToken);
        if (target == VerificationStates.Identified)
        {
            return;
        }
        await writer.MoveVerificationAsync(newsroom, id, new VerificationChange(VerificationStates.ConsentObtained, Comment: "Signed consent form held by the desk."), next(), cancellationToken);
        if (target == VerificationStates.ConsentObtained)
        {
            return;
        }
        await writer.MoveVerificationAsync(analyst, id, new VerificationChange(VerificationStates.ForensicsSubmitted, Tool: "mvt 2.5", IndicatorSetVersion: "nightjar-2026-11",
            Comment: "Backup received and queued."), next(), cancellationToken);
        if (target == VerificationStates.ForensicsSubmitted)
        {
            return;
        }
        var result = target == VerificationStates.PeerReviewed ? TargetStates[4 + i % 4] : target;
        var cited = evidence[i % evidence.Count];
        await writer.MoveVerificationAsync(analyst, id, new VerificationChange(result, Evidence:
        [
            new EvidenceView(cited.Name, cited.Sha256, cited.Size, "The lab's report for this handset."),
            new EvidenceView($"backup-{i:000}.tar.enc", Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"demo backup {i}"))), 48_000_000 + i * 1_000,
                "Encrypted backup; kept offline by the lab."),
        ], Comment: $"Result: {result}."), next(), cancellationToken);
        if (target == VerificationStates.PeerReviewed)
        {
            await writer.MoveVerificationAsync(reviewer, id, new VerificationChange(VerificationStates.PeerReviewed, Comment: "Second analyst agrees with the result."), next(), cancellationToken);
        }
    }

    /// <summary>The lab uploads its reports as the evidence endpoint stores them (the file, the holder, the audit entry).</summary>
    private async Task StoreEvidenceAsync(CancellationToken cancellationToken)
    {
        var analyst = Person("hanna.vogel");
        await using var scope = services.CreateAsyncScope();
        var store = scope.ServiceProvider.GetRequiredService<EvidenceStore>();
        var audit = scope.ServiceProvider.GetRequiredService<AuditLog>();
        foreach (var (name, content) in DemoTexts.EvidenceFiles)
        {
            var bytes = Encoding.UTF8.GetBytes(content);
            var sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes));
            await store.StoreAsync(investigation.Id, sha256, bytes.Length, new MemoryStream(bytes), analyst, now.AddDays(-12),
                (transaction, _, ct) => audit.AppendWithinAsync(transaction, AuditActor.From(analyst), DemoWriter.Origin,
                    new AuditSubject(AuditActions.EvidenceUploaded, investigation.Id, AuditTargets.Investigation, investigation.Id.ToString(), $"evidence file of {bytes.Length} bytes, SHA-256 {sha256[..16]}…"), ct),
                cancellationToken);
            evidence.Add((name, sha256, bytes.Length));
        }
    }
}
