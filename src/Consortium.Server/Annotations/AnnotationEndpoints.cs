using Consortium.Client;
using Consortium.Server.Audit;
using Consortium.Server.Hosting;
using Consortium.Server.Identity;
using Consortium.Server.Investigations;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Consortium.Server.Annotations;

public static class AnnotationEndpoints
{
    public static IEndpointRouteBuilder MapAnnotations(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/records/{recordId:guid}/annotations").WithTags("Annotations").RequireAuthorization();
        group.MapGet("/", ListAnnotations);
        group.MapPost("/", AddNoteToRecord);
        return app;
    }

    private static async Task<Results<Ok<List<AnnotationView>>, NotFound<ProblemDetails>>> ListAnnotations(
        Guid recordId, HttpContext http, AccessPolicy access, IQuerySession session, CancellationToken cancellationToken)
    {
        var user = ConsortiumUser.From(http.User);
        if (await access.RecordAsync(user, recordId, cancellationToken) is null)
        {
            return Problems.NotFound("record");
        }
        var annotations = await session.Query<Annotation>().Where(a => a.RecordId == recordId).OrderBy(a => a.Sequence).ToListAsync(cancellationToken);
        return TypedResults.Ok(annotations.Where(a => a.IsVisibleTo(user)).Select(a => a.ToView()).ToList());
    }

    private static async Task<Results<Created<AnnotationView>, NotFound<ProblemDetails>, ValidationProblem, ProblemHttpResult>> AddNoteToRecord(
        Guid recordId, NewNote note, HttpContext http, AccessPolicy access, IDocumentSession session, TimeProvider clock, AuditLog audit, CancellationToken cancellationToken)
    {
        var user = ConsortiumUser.From(http.User);
        if (await access.RecordAsync(user, recordId, cancellationToken) is not { } granted)
        {
            return Problems.NotFound("record");
        }
        if (!Permissions.CanAnnotate(granted.Role))
        {
            return Problems.Forbidden("Read-only members and sync clients cannot annotate.");
        }
        var visible = granted.Item;
        var errors = AddNote.Validate(note);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }
        var added = AddNote.Decide(user, visible.Dataset, visible.Record, note, clock.GetUtcNow());
        var stream = session.Events.StartStream<Annotation>(added.AnnotationId, added);
        // The text stays out of the audit log: an outlet-only or private note must not reach the coordinator through it.
        await audit.SaveChangesWithEntryAsync(session, http, new AuditSubject(AuditActions.AnnotationAdded, added.InvestigationId, AuditTargets.Annotation, added.AnnotationId.ToString(),
            $"note on record {recordId}, visibility {note.Visibility.ToString().ToLowerInvariant()}"), cancellationToken);
        // Marten assigned the global sequence number before commit; the answer carries it like the push does.
        var annotation = Annotation.From(added, stream.Events[0].Sequence);
        return TypedResults.Created($"/api/records/{recordId}/annotations/{added.AnnotationId}", annotation.ToView());
    }
}
