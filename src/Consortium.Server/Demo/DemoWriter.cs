using Consortium.Client;
using Consortium.Server.Access;
using Consortium.Server.Annotations;
using Consortium.Server.Audit;
using Consortium.Server.Identity;
using Marten;

namespace Consortium.Server.Demo;

/// <summary>
/// Writes the demo's activity as the API does (decision 0030): the same access check, the same pure decisions
/// (<see cref="AddAnnotation"/>, <see cref="ChangeAnnotation"/>), the same stream append with the expected version, the
/// same observers in the same transaction (the inbox, record follows) and the same audit entry. So projections, the
/// changes feed, pushes, search facets and the audit agree about the demo exactly as about anyone's work. Only the
/// HTTP request is missing: the origin says "demo" instead of an address.
/// </summary>
internal sealed class DemoWriter(IServiceProvider services)
{
    public static readonly AuditOrigin Origin = new("demo", null, "Consortium demo");

    /// <summary>Adds an annotation as <paramref name="author"/>, who must see the record and may annotate; null when refused.</summary>
    public async Task<Annotation?> AddAsync(ConsortiumUser author, Guid recordId, NewAnnotation request, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var provider = scope.ServiceProvider;
        var session = provider.GetRequiredService<IDocumentSession>();
        if (await provider.GetRequiredService<AccessPolicy>().RecordAsync(author, recordId, cancellationToken) is not { } granted || !Permissions.CanAnnotate(granted.Role))
        {
            return null;
        }
        Annotation? parent = null;
        if (request.ParentId is { } parentId)
        {
            parent = await session.LoadAsync<Annotation>(parentId, cancellationToken);
            if (parent is null || parent.RecordId != recordId || !parent.IsVisibleTo(author) || parent.Retracted)
            {
                return null;
            }
        }
        if (AddAnnotation.Validate(request, granted.Investigation, author, parent) is { Count: > 0 } errors)
        {
            throw new InvalidOperationException($"Demo annotation refused: {string.Join("; ", errors.SelectMany(e => e.Value))}");
        }
        var (dataset, record) = granted.Item;
        object created = request.Kind == AnnotationKinds.Note
            ? AddNote.Decide(author, dataset, record, new NewNote(request.Text!, request.Visibility, request.SharedWithOutletIds), at, AddAnnotation.Mentions(request.Text, granted.Investigation))
            : AddAnnotation.Decide(author, dataset, record, request, parent, granted.Investigation, at);
        var state = created is NoteAdded noted ? Annotation.From(noted, 0) : Annotation.From((AnnotationCreated)created, 0);
        session.Events.StartStream<Annotation>(state.Id, created);
        foreach (var observer in provider.GetServices<IAnnotationChangeObserver>())
        {
            await observer.OnChangeAsync(state with { Mentions = null }, state, created, author, granted.Investigation, cancellationToken);
        }
        await provider.GetRequiredService<AuditLog>().SaveChangesWithEntryAsync(session, AuditActor.From(author), Origin,
            new AuditSubject(AuditActions.AnnotationAdded, dataset.InvestigationId, AuditTargets.Annotation, state.Id.ToString(),
                $"{request.Kind} on record {recordId}, visibility {state.Visibility.ToString().ToLowerInvariant()}"), cancellationToken);
        return state;
    }

    /// <summary>
    /// Applies a change decided by <paramref name="decide"/> (one of <see cref="ChangeAnnotation"/>'s decisions) as
    /// <paramref name="user"/>, at the annotation's current version. False when refused or when someone changed it meanwhile.
    /// </summary>
    public async Task<bool> ChangeAsync(ConsortiumUser user, Guid annotationId, string change, DateTimeOffset at,
        Func<ChangeContext, IServiceProvider, Task<(object? Event, Refusal? Refusal)>> decide, CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var provider = scope.ServiceProvider;
        var session = provider.GetRequiredService<IDocumentSession>();
        var annotation = await session.LoadAsync<Annotation>(annotationId, cancellationToken);
        if (annotation is null || !annotation.IsVisibleTo(user)
            || await provider.GetRequiredService<AccessPolicy>().RecordAsync(user, annotation.RecordId, cancellationToken) is not { } granted
            || !Permissions.CanAnnotate(granted.Role))
        {
            return false;
        }
        var (decided, refusal) = await decide(new ChangeContext(user, granted.Role, granted.Investigation, annotation, at), provider);
        if (refusal is not null || decided is null)
        {
            return false;
        }
        var stream = await session.Events.FetchForWriting<Annotation>(annotationId, annotation.Version, cancellationToken);
        stream.AppendOne(decided);
        foreach (var observer in provider.GetServices<IAnnotationChangeObserver>())
        {
            await observer.OnChangeAsync(annotation, annotation.Then(decided), decided, user, granted.Investigation, cancellationToken);
        }
        try
        {
            await provider.GetRequiredService<AuditLog>().SaveChangesWithEntryAsync(session, AuditActor.From(user), Origin,
                new AuditSubject(AuditActions.AnnotationChanged, annotation.InvestigationId, AuditTargets.Annotation, annotationId.ToString(), change), cancellationToken);
        }
        catch (Exception e) when (e is JasperFx.ConcurrencyException or JasperFx.Events.EventStreamUnexpectedMaxEventIdException
            || e.InnerException is JasperFx.ConcurrencyException or JasperFx.Events.EventStreamUnexpectedMaxEventIdException)
        {
            // A human changed it between our read and our append: theirs stands, as on the API.
            return false;
        }
        return true;
    }

    /// <summary>Moves a verification one step, citing evidence (files the mover's outlet holds are shared with it).</summary>
    public Task<bool> MoveVerificationAsync(ConsortiumUser user, Guid annotationId, VerificationChange change, DateTimeOffset at, CancellationToken cancellationToken) =>
        ChangeAsync(user, annotationId, $"verification {change.State}", at, async (c, provider) =>
        {
            var evidence = provider.GetRequiredService<EvidenceStore>();
            var held = await evidence.SizesAsync(c.Current.InvestigationId, c.User.OutletId, (change.Evidence ?? []).Select(e => e.Sha256), cancellationToken);
            var decided = ChangeAnnotation.MoveVerification(c, change, held);
            if (decided.Event is not null)
            {
                evidence.QueueShares(provider.GetRequiredService<IDocumentSession>(), c.Current.InvestigationId, annotationId, held.Keys);
            }
            return decided;
        }, cancellationToken);

    public Task<bool> AssignAsync(ConsortiumUser user, Guid annotationId, string assigneeUserId, DateTimeOffset at, CancellationToken cancellationToken) =>
        ChangeAsync(user, annotationId, "assigned", at, async (c, provider) =>
        {
            var member = c.Investigation.People.FirstOrDefault(p => p.UserId == assigneeUserId && p.IsCurrent(c.Now));
            var assignee = member is null ? null : new ConsortiumUser(member.UserId, member.DisplayName, member.OutletId);
            var maySee = assignee is not null && c.Current.IsVisibleTo(assignee)
                && await provider.GetRequiredService<AccessPolicy>().RecordAsync(assignee, c.Current.RecordId, cancellationToken) is not null;
            return ChangeAnnotation.Assign(c, new AssignmentChange(assigneeUserId), maySee);
        }, cancellationToken);

    public Task<bool> ResolveAsync(ConsortiumUser user, Guid annotationId, DateTimeOffset at, CancellationToken cancellationToken) =>
        ChangeAsync(user, annotationId, "resolved", at, (c, _) => Task.FromResult(ChangeAnnotation.Resolve(c, new ResolutionChange(true))), cancellationToken);

    public Task<bool> RetractAsync(ConsortiumUser user, Guid annotationId, string reason, DateTimeOffset at, CancellationToken cancellationToken) =>
        ChangeAsync(user, annotationId, "retracted", at, (c, _) => Task.FromResult(ChangeAnnotation.Retract(c, new Retraction(reason))), cancellationToken);

    /// <summary>A read of the record as the record page makes it: the audit entry behind "recently viewed in your outlet".</summary>
    public async Task ViewAsync(ConsortiumUser user, Guid recordId, CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var provider = scope.ServiceProvider;
        if (await provider.GetRequiredService<AccessPolicy>().RecordAsync(user, recordId, cancellationToken) is { } granted)
        {
            await provider.GetRequiredService<AuditLog>().RecordAsync(AuditActor.From(user), Origin,
                new AuditSubject(AuditActions.RecordRead, granted.Item.Dataset.InvestigationId, AuditTargets.Record, recordId.ToString()), cancellationToken);
        }
    }
}
