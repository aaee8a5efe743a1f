using Consortium.Client;
using Consortium.Server.Access;
using Consortium.Server.Audit;
using Consortium.Server.Hosting;
using Consortium.Server.Identity;
using Consortium.Server.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Consortium.Server.Sync;

public static class ChangesEndpoints
{
    public const int DefaultLimit = 500;
    public const int MaxLimit = 1000;

    public static WebApplicationBuilder AddChangesFeed(this WebApplicationBuilder builder)
    {
        builder.Services.AddScoped<ChangesFeed>();
        builder.Services.AddHostedService<AnnotationFeedSchema>();
        // The feed of every change (decision 0026): the reader other areas use, and the signal woken at each commit.
        builder.Services.AddScoped<ChangeFeed>();
        builder.Services.AddScoped<IChangeFeed>(sp => sp.GetRequiredService<ChangeFeed>());
        builder.Services.AddHostedService<ChangeFeedSchema>();
        builder.Services.AddSingleton<FeedSignal>();
        builder.Services.AddSingleton<IFeedSignal>(sp => sp.GetRequiredService<FeedSignal>());
        builder.Services.AddHostedService(sp => sp.GetRequiredService<FeedSignal>());
        return builder;
    }

    public static IEndpointRouteBuilder MapChangesFeed(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/api/investigations/{investigationId:guid}/changes").WithTags("Sync").RequireAuthorization()
            .MapGet("/", ReadChanges);
        app.MapOutletChangeFeed();
        return app;
    }

    private static async Task<Results<Ok<ChangesPage>, NotFound<ProblemDetails>, BadRequest<ProblemDetails>>> ReadChanges(
        Guid investigationId, string? after, int? limit, Guid? record, HttpContext http, AccessPolicy access, ChangesFeed feed, AuditLog audit, CancellationToken cancellationToken)
    {
        var user = ConsortiumUser.From(http.User);
        if (await access.InvestigationAsync(user, investigationId, cancellationToken) is not { } granted)
        {
            return Problems.NotFound("investigation");
        }
        if (!FeedCursor.TryParse(after, out var cursor))
        {
            return Problems.BadRequest("Bad cursor", "Pass back the cursor of an earlier answer, or nothing to start from the beginning.");
        }
        var size = limit ?? DefaultLimit;
        if (size is < 1 or > MaxLimit)
        {
            return Problems.BadRequest("Bad limit", $"limit is between 1 and {MaxLimit}.");
        }
        // record: one record's changes only (a record page catching up), same cursor space as the whole feed.
        var page = await feed.ReadAsync(user, investigationId, cursor, size, cancellationToken, record, granted.Role);
        // An empty page reveals nothing, and live clients ask often; a page with annotations is a read like any other.
        if (page.Items.Count > 0)
        {
            await audit.RecordAsync(http, new AuditSubject(AuditActions.ChangesRead, investigationId, AuditTargets.Investigation, investigationId.ToString(),
                $"{page.Items.Count} changes after {cursor}"), cancellationToken);
        }
        return TypedResults.Ok(page);
    }
}
