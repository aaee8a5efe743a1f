using Consortium.Client;
using Consortium.Server.Access;
using Consortium.Server.Identity;
using Marten;

namespace Consortium.Server.Publication;

/// <summary>The desk's settings: the second-coordinator margin and the right-of-reply warning window.</summary>
public sealed class PublicationOptions(IConfiguration configuration)
{
    public TimeSpan ConfirmationMargin => configuration.GetValue("Publication:ConfirmationMargin", TimeSpan.FromHours(2));

    public TimeSpan ReplyWarningWindow => configuration.GetValue("Publication:ReplyWarningWindow", TimeSpan.FromHours(48));

    public TimeSpan LiftPollInterval => configuration.GetValue("Publication:LiftPollInterval", TimeSpan.FromSeconds(1));

    public bool LiftEnabled => configuration.GetValue("Publication:Lift", true);
}

/// <summary>
/// The clock of the desk ("in the past", deadlines): <see cref="TimeProvider.System"/> unless a test sets another.
/// <paramref name="DatabaseDecidesLift"/>: whether the lift asks PostgreSQL for "now" (production) rather than this clock (tests
/// that set the time); see decision 0024.
/// </summary>
public sealed record PublicationClock(TimeProvider Time, bool DatabaseDecidesLift = false)
{
    public DateTimeOffset Now => Time.GetUtcNow();
}

/// <summary>A person's own zone for publication times. Id: the user id.</summary>
public sealed record PublicationPreference(string Id, string? Zone);

/// <summary>The zones a person sees instants in: their outlet's, their own, and any they asked for.</summary>
public sealed record ViewerZones(string OutletZone, string OwnZone, IReadOnlyList<string> Asked)
{
    public static async Task<ViewerZones> OfAsync(IQuerySession session, string userId, string outletId, IEnumerable<string>? asked, CancellationToken cancellationToken)
    {
        var outlet = await session.LoadAsync<Outlet>(outletId, cancellationToken);
        var preference = await session.LoadAsync<PublicationPreference>(userId, cancellationToken);
        // The person's own zone (the one the whole UI shows times in, decision 0033) unless the desk was given another.
        var person = preference?.Zone is null ? await session.LoadAsync<PersonPreferences>(userId, cancellationToken) : null;
        var outletZone = EmbargoTimes.FindZone(outlet?.TimeZone)?.Id ?? "UTC";
        return new(outletZone, EmbargoTimes.FindZone(preference?.Zone ?? person?.TimeZone)?.Id ?? outletZone,
            (asked ?? []).SelectMany(a => a.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).Where(z => EmbargoTimes.FindZone(z) is not null).Distinct().Take(12).ToList());
    }
}

/// <summary>Views of waves and stories for one viewer (times in their zones, warnings, acknowledgements).</summary>
public static class PublicationViews
{
    public static IReadOnlyList<ZonedTime> Shown(DateTimeOffset utc, string enteredZone, ViewerZones zones) =>
    [
        EmbargoTimes.In(utc, "entered", enteredZone),
        EmbargoTimes.In(utc, "outlet", zones.OutletZone),
        EmbargoTimes.In(utc, "you", zones.OwnZone),
        EmbargoTimes.In(utc, "utc", "UTC"),
        .. zones.Asked.Select(z => EmbargoTimes.In(utc, "asked", z)),
    ];

    public static EmbargoView Embargo(PublicationWave wave, ViewerZones zones) => new(
        wave.Embargo.Utc, wave.Embargo.Zone, wave.Embargo.LocalTime, wave.Embargo.Offset, wave.State, Shown(wave.Embargo.Utc, wave.Embargo.Zone, zones),
        wave.Moves.Count, wave.LiftedAt,
        wave.Pending is { } p ? new PendingMoveView(p.MoveId, p.To.Utc, p.To.Zone, p.To.LocalTime, p.Reason, p.By, p.ByName, p.At) : null,
        wave.AllowedNext());

    /// <summary>A wave as one viewer sees it: <paramref name="participants"/> are the outlets they may see (<see cref="PublicationAccess.VisibleParticipants"/>); acknowledgements of others are left out.</summary>
    public static WaveView Wave(PublicationWave wave, IReadOnlyList<string> participants, ViewerZones zones, bool coordinator) => new(
        wave.Id, wave.InvestigationId, wave.Name, Embargo(wave, zones), participants,
        wave.Acknowledgements.Where(a => coordinator || participants.Contains(a.OutletId)).Select(a => new AcknowledgementView(a.OutletId, a.Acknowledged, a.ByName, a.At, a.RemindedAt)).ToList(),
        wave.Moves.Select(m => new EmbargoMoveView(m.MoveId, m.FromUtc, m.To.Utc, m.To.Zone, m.To.LocalTime, m.Reason, m.ByName, m.ConfirmedByName, m.At)).ToList(),
        wave.Version, wave.Sequence);

    public static StoryView Story(PublicationStory story, PublicationWave wave, ViewerZones zones, PublicationOptions options)
    {
        var letters = story.Letters.Select(l => new LetterView(l.Id, l.OutletId, l.Recipient, l.Channel, l.AllegationsVersion, l.SentAt, l.Deadline,
            l.ResponseReceivedAt, l.ResponseText, l.QuotingOutletIds, LetterWarnings(l, wave, options.ReplyWarningWindow))).ToList();
        var acknowledgements = wave.Acknowledgements.Where(a => story.HasParticipant(a.OutletId))
            .Select(a => new AcknowledgementView(a.OutletId, a.Acknowledged, a.ByName, a.At, a.RemindedAt)).ToList();
        var warnings = letters.SelectMany(l => l.Warnings.Select(w => $"Letter to {l.Recipient}: {w}")).ToList();
        if (acknowledgements.Where(a => !a.Acknowledged).Select(a => a.OutletId).ToList() is { Count: > 0 } waiting)
        {
            warnings.Add($"Not yet acknowledged the embargo's move: {string.Join(", ", waiting)}.");
        }
        var signOffs = story.ParticipantOutletIds.SelectMany(o => SignOffSteps.All.Select(step =>
            story.SignOffs.FirstOrDefault(s => s.OutletId == o && s.Step == step) is { } done
                ? new SignOffView(o, step, true, done.ByName, done.At)
                : new SignOffView(o, step, false, null, null))).ToList();
        return new StoryView(story.Id, story.InvestigationId, story.WaveId, wave.Name, story.Title, story.Summary, story.LeadOutletId, story.ParticipantOutletIds,
            story.Material, wave.IsLifted ? StoryStates.Published : story.State, Embargo(wave, zones), acknowledgements, signOffs, letters,
            story.Breaches.Select(b => new BreachView(b.Id, b.OutletId, b.ByName, b.Link, b.SeenAt, b.ReportedAt, b.EvidenceFileName, b.EvidenceSha256)).ToList(),
            warnings, story.SignOffDeadline, story.Version, story.Sequence);
    }

    /// <summary>A deadline after the embargo, or so close before it that the subject could pre-empt publication.</summary>
    public static IReadOnlyList<string> LetterWarnings(Letter letter, PublicationWave wave, TimeSpan window)
    {
        if (letter.ResponseReceivedAt is not null || wave.IsClosed)
        {
            return [];
        }
        if (letter.Deadline > wave.Embargo.Utc)
        {
            return [$"the reply deadline ({letter.Deadline.UtcDateTime:yyyy-MM-dd HH:mm} UTC) is after the embargo ({wave.Embargo.Utc.UtcDateTime:yyyy-MM-dd HH:mm} UTC)"];
        }
        if (letter.Deadline > wave.Embargo.Utc - window)
        {
            return [$"the reply deadline is less than {window.TotalHours:0} hours before the embargo: the subject could pre-empt publication"];
        }
        return [];
    }
}
