using Consortium.Client;
using Consortium.Server.Identity;
using Marten;

namespace Consortium.Server.Publication;

/// <summary>The embargo desk: registration and the one route group of the area (docs/api.md, "Publication").</summary>
public static class PublicationEndpoints
{
    public static WebApplicationBuilder AddPublication(this WebApplicationBuilder builder)
    {
        builder.Services.ConfigureMarten(options =>
        {
            options.MapPublicationEvents();
            options.Projections.Snapshot<PublicationWave>(JasperFx.Events.Projections.SnapshotLifecycle.Inline);
            options.Projections.Snapshot<PublicationStory>(JasperFx.Events.Projections.SnapshotLifecycle.Inline);
            options.Schema.For<PublicationWave>().Index(w => w.InvestigationId).UseOptimisticConcurrency(false);
            options.Schema.For<PublicationStory>().Index(s => s.InvestigationId).Index(s => s.WaveId).GinIndexJsonData();
            options.Schema.For<PublicationNotice>().Index(n => n.UserId);
            options.Schema.For<PublicationPreference>();
            options.Schema.For<CalendarFeed>().Index(c => c.TokenHash);
            options.Schema.For<ReportBreach.BreachEvidence>();
        });
        builder.Services.AddSingleton(new PublicationClock(TimeProvider.System, DatabaseDecidesLift: true));
        builder.Services.AddSingleton<PublicationOptions>();
        builder.Services.AddScoped<PublicationAccess>();
        builder.Services.AddScoped<PublicationWrites>();
        builder.Services.AddScoped<PublicationFeed>();
        builder.Services.AddScoped<Sync.IChangeFeedRenderer, PublicationFeedRenderer>();
        builder.Services.AddSingleton<PublicationAnnouncements>();
        builder.Services.AddHostedService(s => s.GetRequiredService<PublicationAnnouncements>());
        builder.Services.AddHostedService<PublicationFeedSchema>();
        builder.Services.AddSingleton<LiftEmbargoes>();
        builder.Services.AddHostedService(s => s.GetRequiredService<LiftEmbargoes>());
        builder.Services.AddHealthChecks().AddCheck<LiftClockHealthCheck>("embargo-lift-clock");
        return builder;
    }

    public static IEndpointRouteBuilder MapPublication(this IEndpointRouteBuilder app)
    {
        // The calendar is read by desk calendar programs that hold no session: its secret URL is the credential.
        app.MapGet("/api/publication/calendar/{token}.ics", PublicationCalendar.Feed).WithTags("Publication").AllowAnonymous();

        var desk = app.MapGroup("/api/publication").WithTags("Publication").RequireAuthorization();
        var plan = desk.MapGroup("/investigations/{investigationId:guid}");
        plan.MapGet("/", PlanPublication.GetPlan).Produces<PublicationPlanView>();
        plan.MapPost("/waves", PlanPublication.CreateWave).Produces<WaveView>(StatusCodes.Status201Created);
        plan.MapPost("/stories", PlanPublication.CreateStory).Produces<StoryView>(StatusCodes.Status201Created);
        plan.MapGet("/changes", PublicationFeed.Read).Produces<PublicationChangesPage>();

        desk.MapGet("/preview", PlanPublication.Preview).Produces<EmbargoView>();
        desk.MapGet("/settings", PlanPublication.GetSettings).Produces<PublicationSettings>();
        desk.MapPut("/settings", PlanPublication.PutSettings).Produces<PublicationSettings>();
        desk.MapGet("/notices", ListNotices.List).Produces<List<PublicationNoticeView>>();
        desk.MapPost("/notices/{noticeId:guid}/read", ListNotices.MarkRead);
        desk.MapPost("/calendar", PublicationCalendar.Regenerate).Produces<CalendarUrlView>();
        desk.MapDelete("/calendar", PublicationCalendar.Revoke);

        desk.MapGet("/stories", PlanPublication.ListMyStories).Produces<List<StoryView>>();
        var story = desk.MapGroup("/stories/{storyId:guid}");
        story.MapGet("/", PlanPublication.GetStory).Produces<StoryView>();
        story.MapPatch("/", PlanPublication.ChangeStory).Produces<StoryView>();
        story.MapPost("/sign-offs", SignOffStory.Handle).Produces<StoryView>();
        story.MapPost("/letters", SendReplyLetter.Send).Produces<StoryView>(StatusCodes.Status201Created);
        story.MapPut("/letters/{letterId:guid}/response", SendReplyLetter.Answer).Produces<StoryView>();
        story.MapPost("/breaches", ReportBreach.Handle).Produces<StoryView>();
        story.MapPost("/embargo/acknowledgement", MoveEmbargo.AcknowledgeFromStory).Produces<WaveView>();
        story.MapGet("/package", ExportPackage.Handle);

        var wave = desk.MapGroup("/waves/{waveId:guid}");
        wave.MapGet("/", PlanPublication.GetWave).Produces<WaveView>();
        wave.MapPost("/embargo/lock", MoveEmbargo.Lock).Produces<WaveView>();
        wave.MapPost("/embargo/move", MoveEmbargo.Move).Produces<WaveView>().Produces<WaveView>(StatusCodes.Status202Accepted);
        wave.MapPost("/embargo/move/{moveId:guid}/confirm", MoveEmbargo.Confirm).Produces<WaveView>();
        wave.MapDelete("/embargo/move/{moveId:guid}", MoveEmbargo.Withdraw).Produces<WaveView>();
        wave.MapPost("/embargo/acknowledgement", MoveEmbargo.Acknowledge).Produces<WaveView>();
        wave.MapPost("/embargo/reminders", MoveEmbargo.Remind).Produces<WaveView>();
        wave.MapPost("/embargo/cancel", MoveEmbargo.Cancel).Produces<WaveView>();
        wave.MapPost("/embargo/lift-early", MoveEmbargo.LiftEarly).Produces<WaveView>();
        return app;
    }
}

/// <summary>The caller's publication inbox; an embargo-moved entry needs acknowledging while their outlet has not acknowledged that move.</summary>
public static class ListNotices
{
    public static async Task<IResult> List(bool? unread, HttpContext http, PublicationAccess access, IQuerySession session, CancellationToken cancellationToken)
    {
        var user = ConsortiumUser.From(http.User);
        var query = session.Query<PublicationNotice>().Where(n => n.UserId == user.UserId);
        if (unread == true)
        {
            query = query.Where(n => !n.Read);
        }
        var notices = await query.OrderByDescending(n => n.At).Take(200).ToListAsync(cancellationToken);
        var views = new List<PublicationNoticeView>(notices.Count);
        var waves = new Dictionary<Guid, PublicationAccess.Granted<PublicationWave>?>();
        var stories = new Dictionary<Guid, bool>();
        foreach (var notice in notices)
        {
            if (!waves.TryGetValue(notice.WaveId, out var granted))
            {
                // Read through the access rule: a membership that ended takes its entries out of the inbox.
                waves[notice.WaveId] = granted = await access.WaveAsync(user, notice.WaveId, cancellationToken);
            }
            if (granted is null)
            {
                continue;
            }
            // A notice about a story follows the story: an outlet taken off it no longer reads its notices (coordinators answer for them all).
            if (notice.StoryId is { } storyId && !PublicationAccess.CanPlan(granted.Role))
            {
                if (!stories.TryGetValue(storyId, out var visible))
                {
                    stories[storyId] = visible = await access.StoryAsync(user, storyId, cancellationToken) is not null;
                }
                if (!visible)
                {
                    continue;
                }
            }
            var wave = granted.Item;
            // Only those who may acknowledge are asked to (reporters read).
            var needsAck = PublicationAccess.CanAcknowledge(granted.Role) && notice.MoveId is { } moveId && moveId == wave.LatestMoveId
                && wave.Acknowledgements.Any(a => a.OutletId == user.OutletId && !a.Acknowledged)
                && notice.Kind is PublicationNoticeKinds.EmbargoMoved or PublicationNoticeKinds.AcknowledgementReminder;
            views.Add(notice.ToView(needsAck));
        }
        return TypedResults.Ok(views);
    }

    public static async Task<IResult> MarkRead(Guid noticeId, HttpContext http, IDocumentSession session, CancellationToken cancellationToken)
    {
        var user = ConsortiumUser.From(http.User);
        if (await session.LoadAsync<PublicationNotice>(noticeId, cancellationToken) is not { } notice || notice.UserId != user.UserId)
        {
            return Hosting.Problems.NotFound("notice");
        }
        session.Store(notice with { Read = true });
        await session.SaveChangesAsync(cancellationToken);
        return TypedResults.NoContent();
    }
}
