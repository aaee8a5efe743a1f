using Consortium.Client;
using Consortium.Server.Access;
using Consortium.Server.Publication;
using Marten;

namespace Consortium.Server.Demo;

/// <summary>
/// The demo's publication plan, so a newcomer sees the desk working: two waves, three stories, letters with deadlines
/// (one too close to the embargo), some sign-offs, and the second wave's embargo moved and awaiting acknowledgement.
/// Written as the desk's own events, with instants entered in Paris time.
/// </summary>
internal static class DemoPublicationPlan
{
    public static async Task SeedAsync(IDocumentStore store, Investigation investigation, IReadOnlyList<Guid> recordIds, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var coordinator = investigation.People.First(p => p.Role == InvestigationRole.Coordinator);
        string EditorOf(string outletId) => investigation.People.FirstOrDefault(p => p.OutletId == outletId && p.Role == InvestigationRole.Editor)?.DisplayName ?? outletId;
        // Ten days ahead at 18:00 Paris time, and the day after at 07:00: whatever the season, entered in local time.
        var firstDay = now.AddDays(10).UtcDateTime.Date;
        var first = Embargo(firstDay, "18:00");
        var second = Embargo(firstDay.AddDays(1), "07:00");
        var moved = Embargo(firstDay.AddDays(1), "09:00");

        await using var session = store.LightweightSession();
        var wave1 = Guid.CreateVersion7();
        var wave2 = Guid.CreateVersion7();
        session.Events.StartStream<PublicationWave>(wave1,
            new WavePlanned(wave1, investigation.Id, "Wave 1: the list", first, coordinator.UserId, coordinator.DisplayName, now),
            new EmbargoLocked(coordinator.UserId, coordinator.DisplayName, now));
        string[] wave2Outlets = ["la-linterna", "le-veilleur", "satya-report", "the-meridian"];
        var moveId = Guid.CreateVersion7();
        session.Events.StartStream<PublicationWave>(wave2,
            new WavePlanned(wave2, investigation.Id, "Wave 2: the clients", second, coordinator.UserId, coordinator.DisplayName, now),
            new EmbargoLocked(coordinator.UserId, coordinator.DisplayName, now),
            new EmbargoMoved(moveId, moved, "Two partners print overnight: later morning slot for their web editions.", coordinator.UserId, coordinator.DisplayName, null, null, wave2Outlets, now),
            new EmbargoAcknowledged(moveId, "le-veilleur", coordinator.UserId, coordinator.DisplayName, now),
            new EmbargoAcknowledged(moveId, "the-meridian", coordinator.UserId, EditorOf("the-meridian"), now));

        var material = new StoryMaterial(recordIds.Take(3).ToList(), [], []);
        var story1 = Guid.CreateVersion7();
        session.Events.StartStream<PublicationStory>(story1,
            new StoryPlanned(story1, investigation.Id, wave1, "Fifty thousand numbers", "How the list came to light and who is on it.", "le-veilleur",
                ["harbour-courier", "die-lupe", "le-veilleur", "pacific-wire"], material, first.Utc.AddDays(-2), coordinator.UserId, coordinator.DisplayName, now),
            new SignOffGiven("le-veilleur", SignOffSteps.LegalReview, coordinator.UserId, coordinator.DisplayName, now),
            new SignOffGiven("le-veilleur", SignOffSteps.CopyFinal, coordinator.UserId, coordinator.DisplayName, now),
            new SignOffGiven("harbour-courier", SignOffSteps.LegalReview, coordinator.UserId, EditorOf("harbour-courier"), now),
            new LetterSent(Guid.CreateVersion7(), "le-veilleur", "The vendor's press office", "email", "allegations v3", now.AddDays(-1), first.Utc.AddDays(-4), ["le-veilleur", "harbour-courier"],
                coordinator.UserId, now),
            // Due the evening before the lift: the desk warns that the subject could pre-empt publication.
            new LetterSent(Guid.CreateVersion7(), "harbour-courier", "A minister's office", "registered post", "allegations v3", now, first.Utc.AddHours(-12), ["harbour-courier"],
                coordinator.UserId, now));
        var story2 = Guid.CreateVersion7();
        session.Events.StartStream<PublicationStory>(story2,
            new StoryPlanned(story2, investigation.Id, wave1, "The forensic trail", "What the lab found on eleven phones.", "die-lupe",
                ["die-lupe", "le-veilleur", "open-forensics-lab"], new StoryMaterial(recordIds.Skip(3).Take(2).ToList(), [], []), first.Utc.AddDays(-1), coordinator.UserId, coordinator.DisplayName, now),
            new SignOffGiven("die-lupe", SignOffSteps.RightOfReplyDone, coordinator.UserId, EditorOf("die-lupe"), now));
        var story3 = Guid.CreateVersion7();
        session.Events.StartStream<PublicationStory>(story3,
            new StoryPlanned(story3, investigation.Id, wave2, "The clients", "Which governments bought the selector.", "la-linterna",
                wave2Outlets, new StoryMaterial([], [], []), moved.Utc.AddDays(-1), coordinator.UserId, coordinator.DisplayName, now),
            new LetterSent(Guid.CreateVersion7(), "la-linterna", "Embassy spokesperson", "email", "allegations v1", now, moved.Utc.AddDays(-3), ["la-linterna", "satya-report"],
                coordinator.UserId, now));
        foreach (var outletId in new[] { "la-linterna", "satya-report" })
        {
            foreach (var person in investigation.People.Where(p => p.OutletId == outletId))
            {
                session.Store(new PublicationNotice(Guid.CreateVersion7(), person.UserId, PublicationNoticeKinds.EmbargoMoved, investigation.Id, wave2, null,
                    $"The embargo of Wave 2: the clients moved to {EmbargoTimes.Describe(moved.Utc, moved.Zone)}: two partners print overnight. Acknowledge the new instant.", now,
                    MoveId: moveId, OutletId: outletId));
            }
        }
        await session.SaveChangesAsync(cancellationToken);
    }

    private static EmbargoTime Embargo(DateTime day, string time) =>
        EmbargoTimes.Parse(new EmbargoInput($"{day:yyyy-MM-dd}T{time}", "Europe/Paris"), "embargo").Time!;
}
