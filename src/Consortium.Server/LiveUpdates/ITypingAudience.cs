using Consortium.Server.Identity;

namespace Consortium.Server.LiveUpdates;

/// <summary>Who may see that someone is typing in a thread. The area that owns threads answers; the hub only sends.</summary>
public interface ITypingAudience
{
    /// <summary>
    /// The groups of <paramref name="recordId"/> (from <see cref="LiveGroups"/>) whose members may read the thread
    /// <paramref name="threadId"/>, or null when it is not on that record or <paramref name="user"/> may not read it.
    /// </summary>
    Task<IReadOnlyList<string>?> OfThreadAsync(ConsortiumUser user, Guid recordId, Guid threadId, CancellationToken cancellationToken);
}
