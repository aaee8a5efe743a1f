using Consortium.Client;
using Consortium.Server.Identity;
using Consortium.Server.Records;

namespace Consortium.Server.Annotations;

/// <summary>Adding a note: validation and the decision are pure; the endpoint appends what they decide.</summary>
public static class AddNote
{
    public const int MaxTextLength = 20_000;

    public static Dictionary<string, string[]> Validate(NewNote note)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(note.Text))
        {
            errors["text"] = ["A note needs some text."];
        }
        else if (note.Text.Length > MaxTextLength)
        {
            errors["text"] = [$"A note holds at most {MaxTextLength} characters."];
        }
        if (!Enum.IsDefined(note.Visibility) || note.Visibility == Visibility.Partners)
        {
            errors["visibility"] = ["Visibility is consortium, outlet or private."];
        }
        return errors;
    }

    // The text is stored exactly as written, markup included: rendering makes it inert, never storage.
    public static NoteAdded Decide(ConsortiumUser author, Dataset dataset, LeakedRecord record, NewNote note, DateTimeOffset now) =>
        new(Guid.CreateVersion7(), record.Id, dataset.Id, dataset.InvestigationId, author.UserId, author.DisplayName, author.OutletId, note.Text, note.Visibility, now);
}
