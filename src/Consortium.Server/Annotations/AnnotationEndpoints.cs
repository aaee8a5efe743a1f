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

public static class AnnotationEndpoints
{
    /// <summary>On a record's annotation list: the changes-feed cursor to catch up from (with <c>record=</c>).</summary>
    public const string ChangesCursorHeader = "Changes-Cursor";

    public static IEndpointRouteBuilder MapAnnotations(this IEndpointRouteBuilder app)
    {
        var onRecord = app.MapGroup("/api/records/{recordId:guid}/annotations").WithTags("Annotations").RequireAuthorization();
        onRecord.MapGet("/", ListAnnotations);
        onRecord.MapPost("/", AddToRecord);

        app.MapGroup("/api/investigations/{investigationId:guid}/verifications").WithTags("Annotations").RequireAuthorization()
            .MapGet("/", ListVerifications);

        var one = app.MapGroup("/api/annotations/{annotationId:guid}").WithTags("Annotations").RequireAuthorization();
        one.MapGet("/", GetAnnotation);
        one.MapGet("/history", GetHistory);
        one.MapPatch("/", (Guid annotationId, AnnotationChange change, HttpContext http, AnnotationChanges changes, CancellationToken ct) =>
            changes.ApplyAsync(annotationId, http, "edited", c => Task.FromResult(ChangeAnnotation.Edit(c, change)), ct));
        one.MapPost("/verification", (Guid annotationId, VerificationChange change, HttpContext http, AnnotationChanges changes, EvidenceStore evidence,
            IDocumentSession session, CancellationToken ct) =>
            changes.ApplyAsync(annotationId, http, $"verification {change.State}", async c =>
            {
                // Only the citing outlet's own files count as stored: another outlet's file is neither sized nor shared.
                var held = await evidence.SizesAsync(c.Current.InvestigationId, c.User.OutletId, (change.Evidence ?? []).Select(e => e.Sha256), ct);
                var decided = ChangeAnnotation.MoveVerification(c, change, held);
                if (decided.Event is not null)
                {
                    evidence.QueueShares(session, c.Current.InvestigationId, annotationId, held.Keys);
                }
                return decided;
            }, ct));
        one.MapPost("/assignment", (Guid annotationId, AssignmentChange change, HttpContext http, AnnotationChanges changes, AccessPolicy access, CancellationToken ct) =>
            changes.ApplyAsync(annotationId, http, "assigned", async c => ChangeAnnotation.Assign(c, change, await AssigneeMaySeeAsync(c, change.AssigneeUserId, access, ct)), ct));
        one.MapPost("/resolution", (Guid annotationId, ResolutionChange change, HttpContext http, AnnotationChanges changes, CancellationToken ct) =>
            changes.ApplyAsync(annotationId, http, change.Resolved ? "resolved" : "reopened", c => Task.FromResult(ChangeAnnotation.Resolve(c, change)), ct));
        one.MapPost("/retraction", (Guid annotationId, Retraction retraction, HttpContext http, AnnotationChanges changes, CancellationToken ct) =>
            changes.ApplyAsync(annotationId, http, "retracted", c => Task.FromResult(ChangeAnnotation.Retract(c, retraction)), ct));
        app.MapWebAnnotations();
        return app;
    }

    private static async Task<bool> AssigneeMaySeeAsync(ChangeContext c, string? assigneeUserId, AccessPolicy access, CancellationToken cancellationToken)
    {
        if (assigneeUserId is null)
        {
            return true;
        }
        var member = c.Investigation.People.FirstOrDefault(p => p.UserId == assigneeUserId && p.IsCurrent(c.Now));
        if (member is null)
        {
            return false;
        }
        var assignee = new ConsortiumUser(member.UserId, member.DisplayName, member.OutletId);
        return c.Current.IsVisibleTo(assignee) && await access.RecordAsync(assignee, c.Current.RecordId, cancellationToken) is not null;
    }

    private static async Task<Results<Ok<List<AnnotationView>>, NotFound<ProblemDetails>>> ListAnnotations(
        Guid recordId, HttpContext http, AccessPolicy access, IQuerySession session, FeedPosition feed, CancellationToken cancellationToken)
    {
        var user = ConsortiumUser.From(http.User);
        if (await access.RecordAsync(user, recordId, cancellationToken) is not { } granted)
        {
            return Problems.NotFound("record");
        }
        var reader = new AnnotationReader(user.UserId, granted.Role);
        // Taken before the read: a client catching up later reads the feed from here and misses nothing this list missed.
        http.Response.Headers[ChangesCursorHeader] = (await feed.NowAsync(cancellationToken)).ToString();
        var annotations = await session.Query<Annotation>().Where(a => a.RecordId == recordId).OrderBy(a => a.CreatedAt).ToListAsync(cancellationToken);
        return TypedResults.Ok(annotations.Where(a => a.IsVisibleTo(user)).OrderBy(a => a.CreatedAt).ThenBy(a => a.Id).Select(a => a.ToView(reader)).ToList());
    }

    /// <summary>The verification board: every verification of the investigation the caller may read, retracted ones left out.</summary>
    private static async Task<Results<Ok<List<AnnotationView>>, NotFound<ProblemDetails>>> ListVerifications(
        Guid investigationId, HttpContext http, AccessPolicy access, IQuerySession session, CancellationToken cancellationToken)
    {
        var user = ConsortiumUser.From(http.User);
        if (await access.InvestigationAsync(user, investigationId, cancellationToken) is not { } granted)
        {
            return Problems.NotFound("investigation");
        }
        var reader = new AnnotationReader(user.UserId, granted.Role);
        var verifications = await session.Query<Annotation>()
            .Where(a => a.InvestigationId == investigationId && a.Kind == AnnotationKinds.Verification && !a.Retracted)
            .ToListAsync(cancellationToken);
        var datasets = (await session.LoadManyAsync<Dataset>(cancellationToken, verifications.Select(v => v.DatasetId).Distinct().ToArray())).ToDictionary(d => d.Id);
        var restrictions = (await session.LoadManyAsync<RecordRestriction>(cancellationToken, verifications.Select(v => v.RecordId).Distinct().ToArray())).ToDictionary(r => r.Id);
        return TypedResults.Ok(verifications
            .Where(v => v.IsVisibleTo(user)
                && datasets.TryGetValue(v.DatasetId, out var dataset) && dataset.IsSharedWith(user.OutletId)
                && (!restrictions.TryGetValue(v.RecordId, out var restriction) || restriction.OutletIds.Contains(user.OutletId)))
            .OrderBy(v => v.CreatedAt)
            .Select(v => v.ToView(reader))
            .ToList());
    }

    private static async Task<Results<Created<AnnotationView>, NotFound<ProblemDetails>, ValidationProblem, ProblemHttpResult>> AddToRecord(
        Guid recordId, NewAnnotation request, HttpContext http, AccessPolicy access, IDocumentSession session, TimeProvider clock, AuditLog audit, IEnumerable<IAnnotationChangeObserver> observers, CancellationToken cancellationToken)
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
        Annotation? parent = null;
        if (request.Kind == AnnotationKinds.Comment && request.ParentId is { } parentId)
        {
            parent = await session.LoadAsync<Annotation>(parentId, cancellationToken);
            // A thread the author cannot read, or on another record, is no thread at all for them.
            if (parent is null || parent.RecordId != recordId || !parent.IsVisibleTo(user) || parent.Retracted)
            {
                return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["parentId"] = ["No such annotation on this record."] });
            }
        }
        var errors = AddAnnotation.Validate(request, granted.Investigation, user, parent);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }
        var (dataset, record) = granted.Item;
        var now = clock.GetUtcNow();
        object created = request.Kind == AnnotationKinds.Note
            ? AddNote.Decide(user, dataset, record, new NewNote(request.Text!, request.Visibility, request.SharedWithOutletIds), now, AddAnnotation.Mentions(request.Text, granted.Investigation))
            : AddAnnotation.Decide(user, dataset, record, request, parent, granted.Investigation, now);
        var annotationId = created is NoteAdded n ? n.AnnotationId : ((AnnotationCreated)created).AnnotationId;
        var stream = session.Events.StartStream<Annotation>(annotationId, created);
        var state = created is NoteAdded noted ? Annotation.From(noted, 0) : Annotation.From((AnnotationCreated)created, 0);
        foreach (var observer in observers)
        {
            await observer.OnChangeAsync(state with { Mentions = null }, state, created, user, granted.Investigation, cancellationToken);
        }
        // The text stays out of the audit log: an outlet-only or private note must not reach the coordinator through it.
        await audit.SaveChangesWithEntryAsync(session, http, new AuditSubject(AuditActions.AnnotationAdded, dataset.InvestigationId, AuditTargets.Annotation, annotationId.ToString(),
            $"{request.Kind} on record {recordId}, visibility {request.Visibility.ToString().ToLowerInvariant()}"), cancellationToken);
        // Marten assigned the global sequence number before commit; the answer carries it like the push does.
        var sequence = stream.Events[0].Sequence;
        var annotation = created is NoteAdded note ? Annotation.From(note, sequence) : Annotation.From((AnnotationCreated)created, sequence);
        http.Response.Headers.ETag = AnnotationChanges.ETag(annotation.Version);
        return TypedResults.Created($"/api/annotations/{annotationId}", annotation.ToView(new AnnotationReader(user.UserId, granted.Role)));
    }

    /// <summary>One annotation; as W3C Web Annotation JSON-LD when <c>Accept</c> prefers <c>application/ld+json</c> (decision 0028).</summary>
    private static async Task<Results<Ok<AnnotationView>, ContentHttpResult, NotFound<ProblemDetails>>> GetAnnotation(
        Guid annotationId, HttpContext http, AnnotationChanges changes, CancellationToken cancellationToken)
    {
        var user = ConsortiumUser.From(http.User);
        if (await changes.LoadVisibleAsync(user, annotationId, cancellationToken) is not { } found)
        {
            return Problems.NotFound("annotation");
        }
        http.Response.Headers.ETag = AnnotationChanges.ETag(found.Annotation.Version);
        WebAnnotationEndpoints.VaryByAccept(http);
        var view = found.Annotation.ToView(new AnnotationReader(user.UserId, found.Record.Role));
        return WebAnnotationEndpoints.WantsJsonLd(http.Request) ? WebAnnotationEndpoints.Annotation(http, view) : TypedResults.Ok(view);
    }

    private static async Task<Results<Ok<List<AnnotationHistoryEntry>>, NotFound<ProblemDetails>>> GetHistory(
        Guid annotationId, HttpContext http, AnnotationChanges changes, IQuerySession session, CancellationToken cancellationToken)
    {
        var user = ConsortiumUser.From(http.User);
        if (await changes.LoadVisibleAsync(user, annotationId, cancellationToken) is null)
        {
            return Problems.NotFound("annotation");
        }
        var events = await session.Events.FetchStreamAsync(annotationId, token: cancellationToken);
        var history = new List<AnnotationHistoryEntry>(events.Count);
        Annotation? state = null;
        foreach (var e in events)
        {
            state = e switch
            {
                IEvent<NoteAdded> added => Annotation.Create(added),
                IEvent<AnnotationCreated> created => Annotation.Create(created),
                _ => state?.ApplyAny(e),
            };
            if (state is null)
            {
                continue;
            }
            var (change, by, byName, at) = e.Data switch
            {
                NoteAdded d => ("added", d.Author, d.AuthorName, d.At),
                AnnotationCreated d => ("added", d.Author, d.AuthorName, d.At),
                AnnotationEdited d => ("edited", d.By, d.ByName, d.At),
                VerificationMoved d => ($"verification-{d.Verification.State}", d.By, d.ByName, d.At),
                AnnotationAssigned d => ("assigned", d.By, d.ByName, d.At),
                AnnotationResolved d => (d.Resolved ? "resolved" : "reopened", d.By, d.ByName, d.At),
                AnnotationRetracted d => ("retracted", d.By, d.ByName, d.At),
                _ => ("unknown", "", "", e.Timestamp),
            };
            history.Add(new AnnotationHistoryEntry(e.Version, e.Sequence, change, by, byName, at, state.ToView()));
        }
        return TypedResults.Ok(history);
    }
}
