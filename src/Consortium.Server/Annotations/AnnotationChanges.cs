using Consortium.Client;
using Consortium.Server.Access;
using Consortium.Server.Audit;
using Consortium.Server.Hosting;
using Consortium.Server.Identity;
using Consortium.Server.Storage;
using JasperFx.Events;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Consortium.Server.Annotations;

/// <summary>
/// The shared path of every change to an annotation: visibility (404), annotating role (403), <c>If-Match</c> (428,
/// 409 with the current state), the decision, the append with the expected version, the audit entry.
/// </summary>
public sealed class AnnotationChanges(AccessPolicy access, IDocumentSession session, IDocumentStore store, AuditLog audit, TimeProvider clock, IEnumerable<IAnnotationChangeObserver> observers)
{
    public sealed record Found(Annotation Annotation, AccessPolicy.Access<(Dataset Dataset, LeakedRecord Record)> Record);

    public static string ETag(long version) => $"\"{version}\"";

    /// <summary>The annotation when the caller may read it (and its record), else null: missing and hidden look alike.</summary>
    public async Task<Found?> LoadVisibleAsync(ConsortiumUser user, Guid annotationId, CancellationToken cancellationToken)
    {
        var annotation = await session.LoadAsync<Annotation>(annotationId, cancellationToken);
        if (annotation is null || !annotation.IsVisibleTo(user))
        {
            return null;
        }
        return await access.RecordAsync(user, annotation.RecordId, cancellationToken) is { } record ? new(annotation, record) : null;
    }

    public async Task<IResult> ApplyAsync(Guid annotationId, HttpContext http, string change, Func<ChangeContext, Task<(object? Event, Refusal? Refusal)>> decide, CancellationToken cancellationToken)
    {
        var user = ConsortiumUser.From(http.User);
        if (await LoadVisibleAsync(user, annotationId, cancellationToken) is not { } found)
        {
            return Problems.NotFound("annotation");
        }
        if (!Permissions.CanAnnotate(found.Record.Role))
        {
            return Problems.Forbidden("Read-only members and sync clients cannot annotate.");
        }
        if (!TryReadIfMatch(http, out var expected))
        {
            return TypedResults.Problem(new ProblemDetails
            {
                Type = "https://tools.ietf.org/html/rfc6585#section-3",
                Title = "If-Match required",
                Status = StatusCodes.Status428PreconditionRequired,
                Detail = "Send the annotation's ETag (its version) as If-Match, so a change made meanwhile is not overwritten.",
            });
        }
        var reader = new AnnotationReader(user.UserId, found.Record.Role);
        if (expected != found.Annotation.Version)
        {
            return Conflict(found.Annotation, reader);
        }
        var context = new ChangeContext(user, found.Record.Role, found.Record.Investigation, found.Annotation, clock.GetUtcNow());
        var (decided, refusal) = await decide(context);
        if (refusal is not null)
        {
            return refusal.Errors is { } errors
                ? TypedResults.ValidationProblem(errors, title: refusal.Title)
                : TypedResults.Problem(new ProblemDetails { Title = refusal.Title, Detail = refusal.Detail, Status = refusal.Status });
        }
        try
        {
            var stream = await session.Events.FetchForWriting<Annotation>(annotationId, expected, cancellationToken);
            stream.AppendOne(decided!);
            foreach (var observer in observers)
            {
                await observer.OnChangeAsync(found.Annotation, found.Annotation.Then(decided!), decided!, user, found.Record.Investigation, cancellationToken);
            }
            await audit.SaveChangesWithEntryAsync(session, http, new AuditSubject(AuditActions.AnnotationChanged, found.Annotation.InvestigationId, AuditTargets.Annotation,
                annotationId.ToString(), change), cancellationToken);
        }
        catch (Exception e) when (IsConcurrencyFailure(e))
        {
            // Someone else's change committed between our read and our append: theirs stands, ours is refused.
            await using var fresh = store.QuerySession();
            return Conflict((await fresh.LoadAsync<Annotation>(annotationId, cancellationToken))!, reader);
        }
        await using var read = store.QuerySession();
        var updated = (await read.LoadAsync<Annotation>(annotationId, cancellationToken))!;
        http.Response.Headers.ETag = ETag(updated.Version);
        return TypedResults.Ok(updated.ToView(reader));
    }

    private static bool IsConcurrencyFailure(Exception e) =>
        e is JasperFx.ConcurrencyException or JasperFx.Events.EventStreamUnexpectedMaxEventIdException
        || (e.InnerException is { } inner && IsConcurrencyFailure(inner));

    private static Conflict<ProblemDetails> Conflict(Annotation current, AnnotationReader reader) => TypedResults.Conflict(new ProblemDetails
    {
        Type = "https://tools.ietf.org/html/rfc9110#section-15.5.10",
        Title = "The annotation changed meanwhile",
        Status = StatusCodes.Status409Conflict,
        Detail = $"It is at version {current.Version} now; nothing was overwritten. Apply your change to the current state and send it with If-Match \"{current.Version}\".",
        Extensions = { ["current"] = current.ToView(reader) },
    });

    private static bool TryReadIfMatch(HttpContext http, out long version)
    {
        version = 0;
        var header = http.Request.Headers.IfMatch.ToString().Trim();
        if (header.StartsWith("W/", StringComparison.Ordinal))
        {
            header = header[2..];
        }
        return long.TryParse(header.Trim('"'), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out version) && version > 0;
    }
}
