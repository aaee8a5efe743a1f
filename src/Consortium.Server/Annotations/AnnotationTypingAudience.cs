using Consortium.Server.Identity;
using Consortium.Server.LiveUpdates;
using Marten;

namespace Consortium.Server.Annotations;

/// <summary>Those who may read an annotation's thread are those who hear that someone types in it.</summary>
public sealed class AnnotationTypingAudience(IQuerySession session) : ITypingAudience
{
    public async Task<IReadOnlyList<string>?> OfThreadAsync(ConsortiumUser user, Guid recordId, Guid threadId, CancellationToken cancellationToken)
    {
        var annotation = await session.LoadAsync<Annotation>(threadId, cancellationToken);
        return annotation is null || annotation.RecordId != recordId || !annotation.IsVisibleTo(user) ? null : AnnotationAudience.OnRecord(annotation);
    }
}
