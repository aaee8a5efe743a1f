using Consortium.Client;
using Consortium.Server.Access;
using Consortium.Server.Identity;

namespace Consortium.Server.Annotations;

/// <summary>Adding a note: the decision is pure; <see cref="AddAnnotation"/> validates every kind.</summary>
public static class AddNote
{
    public const int MaxTextLength = 20_000;

    // The text is stored exactly as written, markup included: rendering makes it inert, never storage.
    public static NoteAdded Decide(ConsortiumUser author, Dataset dataset, LeakedRecord record, NewNote note, DateTimeOffset now, IReadOnlyList<string>? mentions = null) =>
        new(Guid.CreateVersion7(), record.Id, dataset.Id, dataset.InvestigationId, author.UserId, author.DisplayName, author.OutletId, note.Text, note.Visibility, now,
            note.Visibility == Visibility.Partners ? note.SharedWithOutletIds?.Distinct().Order(StringComparer.Ordinal).ToList() : null, mentions);
}
