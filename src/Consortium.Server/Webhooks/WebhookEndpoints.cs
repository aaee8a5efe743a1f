using Consortium.Client;
using Consortium.Server.Audit;
using Consortium.Server.Hosting;
using Consortium.Server.Identity;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;

namespace Consortium.Server.Webhooks;

/// <summary>
/// An outlet's administrators manage its webhook endpoints: register (secret shown once), rotate the secret with an
/// overlap, disable and enable, delete, read the delivery log and redeliver. Another outlet's endpoint ids answer 404
/// like ids that do not exist. Registering and rotating show a secret, so they need a recent sign-in.
/// </summary>
public static class WebhookEndpoints
{
    /// <summary>Entry types of the unified feed; an endpoint asks for these or for "type.change" event types.</summary>
    public static IReadOnlyList<string> EntryTypes => ChangeFeedTypes.All;

    /// <summary>The event types the web UI offers; any "entry.change" of a known entry type is accepted.</summary>
    public static readonly string[] KnownEventTypes =
    [
        "annotation.added", "annotation.changed", "annotation.retracted", "dataset.created", "dataset.shared", "import.completed",
        "restriction.restricted", "restriction.released", "membership.changed", "story.planned", "story.changed", "embargo.moved",
        "embargo.lifted", "signoff.given", "signoff.withdrawn", "letter.sent", "letter.answered",
    ];

    public static IEndpointRouteBuilder MapWebhooks(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/outlet/webhooks").WithTags("Webhooks").RequireAuthorization();
        group.MapGet("/", List);
        group.MapGet("/event-types", EventTypes);
        group.MapPost("/", Create);
        group.MapGet("/{id:guid}", Get);
        group.MapDelete("/{id:guid}", Delete);
        group.MapPost("/{id:guid}/disable", Disable);
        group.MapPost("/{id:guid}/enable", Enable);
        group.MapPost("/{id:guid}/rotate-secret", Rotate);
        group.MapGet("/{id:guid}/deliveries", Deliveries);
        group.MapPost("/{id:guid}/deliveries/{deliveryId:guid}/redeliver", Redeliver);
        return app;
    }

    private static async Task<string?> AdministeredOutletAsync(HttpContext http, UserManager<ConsortiumAccount> users)
    {
        // Sync clients are never administrators: only a signed-in person with the flag is. Refused explicitly rather
        // than by relying on a client id never matching an account id.
        var user = ConsortiumUser.From(http.User);
        if (user.IsSyncClient)
        {
            return null;
        }
        var account = await users.FindByIdAsync(user.UserId);
        return account is { OutletAdmin: true, Disabled: false } ? account.OutletId : null;
    }

    /// <summary>
    /// What the permanent audit log keeps of a target: scheme, host and port. Receivers often authenticate with a
    /// token in the path or query, which must not outlive the endpoint in an append-only log.
    /// </summary>
    internal static string AuditedTarget(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) ? uri.GetLeftPart(UriPartial.Authority) : "(unparsable URL)";

    private static ProblemHttpResult NotAdministrator() =>
        Problems.Forbidden("Outlet administrators only", "Only an administrator of your outlet can manage its webhooks.");

    private static async Task<Results<Ok<List<WebhookEndpointView>>, ProblemHttpResult>> List(HttpContext http, UserManager<ConsortiumAccount> users, WebhookStore store, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (await AdministeredOutletAsync(http, users) is not { } outlet)
        {
            return NotAdministrator();
        }
        return TypedResults.Ok((await store.ListAsync(outlet, cancellationToken)).ConvertAll(e => e.ToView(clock.GetUtcNow())));
    }

    private static Ok<WebhookEventTypes> EventTypes() => TypedResults.Ok(new WebhookEventTypes(EntryTypes, KnownEventTypes));

    private static async Task<Results<Ok<WebhookEndpointView>, NotFound<ProblemDetails>, ProblemHttpResult>> Get(Guid id, HttpContext http, UserManager<ConsortiumAccount> users, WebhookStore store, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (await AdministeredOutletAsync(http, users) is not { } outlet)
        {
            return NotAdministrator();
        }
        return await store.GetAsync(outlet, id, cancellationToken) is { } endpoint ? TypedResults.Ok(endpoint.ToView(clock.GetUtcNow())) : Problems.NotFound("webhook endpoint");
    }

    private static async Task<Results<Created<WebhookEndpointCreated>, ValidationProblem, ProblemHttpResult>> Create(
        NewWebhookEndpoint request, HttpContext http, UserManager<ConsortiumAccount> users, RecentSignIn recent, WebhookStore store, WebhookTargets targets,
        WebhookSecrets secrets, IWebhookFeed feed, WebhookDispatcher dispatcher, AuditLog audit, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (await AdministeredOutletAsync(http, users) is not { } outlet)
        {
            return NotAdministrator();
        }
        if (recent.Require(http) is { } reauthenticate)
        {
            return reauthenticate;
        }
        var errors = new Dictionary<string, string[]>();
        if (targets.Refusal(request.Url) is { } refusal)
        {
            errors["url"] = [refusal];
        }
        var types = (request.EventTypes ?? []).Select(t => t.Trim()).Where(t => t.Length > 0).Distinct(StringComparer.Ordinal).ToArray();
        if (types.FirstOrDefault(t => !IsKnown(t)) is { } unknown)
        {
            errors["eventTypes"] = [$"Unknown event type \"{unknown}\": use an entry type ({string.Join(", ", EntryTypes)}) or \"type.change\"."];
        }
        if (request.Description is { Length: > 500 })
        {
            errors["description"] = ["At most 500 characters."];
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }
        if (await store.CountAsync(outlet, cancellationToken) >= WebhookOptions.MaxEndpointsPerOutlet)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["url"] = [$"An outlet can register at most {WebhookOptions.MaxEndpointsPerOutlet} endpoints."] });
        }
        var secret = WebhookSecrets.New();
        var now = clock.GetUtcNow();
        var row = new WebhookEndpointRow(Guid.CreateVersion7(), outlet, request.Url.Trim(), request.Description?.Trim() ?? "", types, request.InvestigationId,
            secrets.Protect(secret), null, null, true, null, await feed.NowAsync(cancellationToken), null, null, now, ConsortiumUser.From(http.User).UserId);
        await store.InsertAsync(row, cancellationToken);
        await audit.RecordAsync(http, new AuditSubject(WebhookAuditActions.Created, null, "webhook", row.Id.ToString(), $"webhook endpoint {AuditedTarget(row.Url)} registered"), cancellationToken);
        dispatcher.Wake();
        return TypedResults.Created($"/api/outlet/webhooks/{row.Id}", new WebhookEndpointCreated(row.ToView(now), secret));
    }

    private static bool IsKnown(string type)
    {
        var parts = type.Split('.');
        return parts.Length <= 2 && EntryTypes.Contains(parts[0]) && (parts.Length == 1 || (parts[1].Length is > 0 and <= 40 && parts[1].All(c => char.IsAsciiLetterLower(c) || c == '-')));
    }

    private static async Task<Results<NoContent, NotFound<ProblemDetails>, ProblemHttpResult>> Delete(Guid id, HttpContext http, UserManager<ConsortiumAccount> users, WebhookStore store, AuditLog audit, CancellationToken cancellationToken)
    {
        if (await AdministeredOutletAsync(http, users) is not { } outlet)
        {
            return NotAdministrator();
        }
        if (!await store.DeleteAsync(outlet, id, cancellationToken))
        {
            return Problems.NotFound("webhook endpoint");
        }
        await audit.RecordAsync(http, new AuditSubject(WebhookAuditActions.Deleted, null, "webhook", id.ToString(), "webhook endpoint deleted with its delivery log"), cancellationToken);
        return TypedResults.NoContent();
    }

    private static Task<Results<Ok<WebhookEndpointView>, NotFound<ProblemDetails>, ProblemHttpResult>> Disable(Guid id, HttpContext http, UserManager<ConsortiumAccount> users, WebhookStore store, WebhookDispatcher dispatcher, AuditLog audit, TimeProvider clock, CancellationToken cancellationToken) =>
        SetEnabledAsync(id, false, http, users, store, dispatcher, audit, clock, cancellationToken);

    private static Task<Results<Ok<WebhookEndpointView>, NotFound<ProblemDetails>, ProblemHttpResult>> Enable(Guid id, HttpContext http, UserManager<ConsortiumAccount> users, WebhookStore store, WebhookDispatcher dispatcher, AuditLog audit, TimeProvider clock, CancellationToken cancellationToken) =>
        SetEnabledAsync(id, true, http, users, store, dispatcher, audit, clock, cancellationToken);

    private static async Task<Results<Ok<WebhookEndpointView>, NotFound<ProblemDetails>, ProblemHttpResult>> SetEnabledAsync(
        Guid id, bool enabled, HttpContext http, UserManager<ConsortiumAccount> users, WebhookStore store, WebhookDispatcher dispatcher, AuditLog audit, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (await AdministeredOutletAsync(http, users) is not { } outlet)
        {
            return NotAdministrator();
        }
        if (!await store.SetEnabledAsync(outlet, id, enabled, cancellationToken) || await store.GetAsync(outlet, id, cancellationToken) is not { } endpoint)
        {
            return Problems.NotFound("webhook endpoint");
        }
        await audit.RecordAsync(http, new AuditSubject(enabled ? WebhookAuditActions.Enabled : WebhookAuditActions.Disabled, null, "webhook", id.ToString(),
            enabled ? "webhook endpoint enabled" : "webhook endpoint disabled by an administrator"), cancellationToken);
        dispatcher.Wake();
        return TypedResults.Ok(endpoint.ToView(clock.GetUtcNow()));
    }

    private static async Task<Results<Ok<WebhookSecretRotated>, NotFound<ProblemDetails>, ValidationProblem, ProblemHttpResult>> Rotate(
        Guid id, RotateWebhookSecret request, HttpContext http, UserManager<ConsortiumAccount> users, RecentSignIn recent, WebhookStore store, WebhookSecrets secrets,
        AuditLog audit, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (await AdministeredOutletAsync(http, users) is not { } outlet)
        {
            return NotAdministrator();
        }
        if (recent.Require(http) is { } reauthenticate)
        {
            return reauthenticate;
        }
        var overlap = request.OverlapHours is { } hours ? TimeSpan.FromHours(hours) : WebhookOptions.DefaultOverlap;
        if (overlap < TimeSpan.Zero || overlap > WebhookOptions.MaxOverlap)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["overlapHours"] = [$"0 to {WebhookOptions.MaxOverlap.TotalHours:0} hours."] });
        }
        if (await store.GetAsync(outlet, id, cancellationToken) is not { } endpoint)
        {
            return Problems.NotFound("webhook endpoint");
        }
        var secret = WebhookSecrets.New();
        var now = clock.GetUtcNow();
        await store.RotateAsync(outlet, id, secrets.Protect(secret), endpoint.ProtectedSecret, now + overlap, cancellationToken);
        await audit.RecordAsync(http, new AuditSubject(WebhookAuditActions.SecretRotated, null, "webhook", id.ToString(), $"secret rotated, the old one signs for {overlap.TotalHours:0.#} more hours"), cancellationToken);
        var rotated = (await store.GetAsync(outlet, id, cancellationToken))!;
        return TypedResults.Ok(new WebhookSecretRotated(rotated.ToView(now), secret));
    }

    private static async Task<Results<Ok<List<WebhookDeliveryView>>, NotFound<ProblemDetails>, ProblemHttpResult>> Deliveries(
        Guid id, int? limit, Guid? before, HttpContext http, UserManager<ConsortiumAccount> users, WebhookStore store, CancellationToken cancellationToken)
    {
        if (await AdministeredOutletAsync(http, users) is not { } outlet)
        {
            return NotAdministrator();
        }
        if (await store.GetAsync(outlet, id, cancellationToken) is null)
        {
            return Problems.NotFound("webhook endpoint");
        }
        var page = await store.DeliveriesAsync(id, Math.Clamp(limit ?? 50, 1, 200), before, null, cancellationToken);
        return TypedResults.Ok(page.ConvertAll(d => d.View));
    }

    /// <summary>
    /// Sends a logged event again now, with its original <c>webhook-id</c>, reading its entry from the feed again: an
    /// event the outlet may no longer see is not sent (409). The answer is the delivery with the new attempt.
    /// </summary>
    private static async Task<Results<Ok<WebhookDeliveryView>, NotFound<ProblemDetails>, Conflict<ProblemDetails>, ProblemHttpResult>> Redeliver(
        Guid id, Guid deliveryId, HttpContext http, UserManager<ConsortiumAccount> users, WebhookStore store, IWebhookFeed feed, WebhookSender sender, CancellationToken cancellationToken)
    {
        if (await AdministeredOutletAsync(http, users) is not { } outlet)
        {
            return NotAdministrator();
        }
        if (await store.GetAsync(outlet, id, cancellationToken) is not { } endpoint)
        {
            return Problems.NotFound("webhook endpoint");
        }
        var found = await store.DeliveriesAsync(id, 1, null, deliveryId, cancellationToken);
        if (found.Count == 0)
        {
            return Problems.NotFound("delivery");
        }
        var logged = found[0];
        var entry = await feed.FindAsync(outlet, logged.AfterCursor, logged.EntryCursor, endpoint.EntryTypes, endpoint.InvestigationId, cancellationToken);
        if (entry is null)
        {
            return Problems.Conflict("No longer visible", "Your outlet may no longer see what this event was about, so it is not sent again.");
        }
        var attempt = await sender.SendAsync(endpoint, logged.View.EventId, entry.EventType, entry.Data, manual: true, cancellationToken);
        // A manual success marks the event delivered; a manual failure leaves the schedule's own status as it was.
        var status = attempt.Succeeded ? WebhookDeliveryStatuses.Delivered : logged.View.Status;
        await store.AppendAsync(id, new DeliveryWrite(deliveryId, logged.View.EventId, logged.View.Type, logged.EntryCursor, logged.AfterCursor, status, attempt), cancellationToken);
        return TypedResults.Ok((await store.DeliveriesAsync(id, 1, null, deliveryId, cancellationToken)).Single().View);
    }
}
