using System.Threading.Channels;
using Marten;
using Marten.Services;

namespace Consortium.Server.Annotations;

/// <summary>A committed annotation change to announce: the state after it when the commit carried it, else only the id.</summary>
public sealed record CommittedAnnotationChange(Guid AnnotationId, bool Created, long Sequence, Annotation? State);

/// <summary>
/// Marten calls this after every commit. It hands the committed annotation events, with their global sequence
/// numbers, to <see cref="AnnotationAnnouncer"/>: the request that wrote them does not wait for the fan-out.
/// </summary>
public sealed class AnnotationCommits : DocumentSessionListenerBase
{
    private readonly Channel<CommittedAnnotationChange> pending = Channel.CreateUnbounded<CommittedAnnotationChange>(new UnboundedChannelOptions { SingleReader = true });

    public ChannelReader<CommittedAnnotationChange> Pending => pending.Reader;

    public override Task AfterCommitAsync(IDocumentSession session, IChangeSet commit, CancellationToken token)
    {
        Dictionary<Guid, Annotation>? states = null;
        foreach (var e in commit.GetEvents())
        {
            switch (e.Data)
            {
                case NoteAdded added:
                    pending.Writer.TryWrite(new(added.AnnotationId, true, e.Sequence, Annotation.From(added, e.Sequence)));
                    break;
                case AnnotationCreated created:
                    pending.Writer.TryWrite(new(created.AnnotationId, true, e.Sequence, Annotation.From(created, e.Sequence)));
                    break;
                case AnnotationEdited or VerificationMoved or AnnotationAssigned or AnnotationResolved or AnnotationRetracted:
                    states ??= commit.Updated.Concat(commit.Inserted).OfType<Annotation>().GroupBy(a => a.Id).ToDictionary(g => g.Key, g => g.MaxBy(a => a.Version)!);
                    var state = states.GetValueOrDefault(e.StreamId) is { } s && s.Sequence == e.Sequence ? s : null;
                    pending.Writer.TryWrite(new(e.StreamId, false, e.Sequence, state));
                    break;
            }
        }
        return Task.CompletedTask;
    }
}
