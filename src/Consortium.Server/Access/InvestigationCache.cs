namespace Consortium.Server.Access;

/// <summary>
/// Investigations as last read, each with the version it was read at, for <see cref="AccessPolicy.RecordAsync"/>.
/// </summary>
/// <remarks>
/// An investigation document holds every membership (tens of kilobytes with a whole consortium in it: stored
/// compressed, out of line), and reading it whole with every annotation was most of the database's work per note
/// (decision 0018, amendment). The access check now reads only its version, in the same statement as before, and
/// uses the copy held here when it is of that version; otherwise it reads the document again. Marten gives a document
/// a new version with every write, so the copy used is always the one the statement saw: a membership changed a moment
/// ago applies to the next call, exactly as when the whole document was read. Held copies are shared between requests
/// and never changed (records with read-only lists; a change is a new document, stored with a new version).
/// </remarks>
public sealed class InvestigationCache
{
    // Few investigations are active at once; past this, everything is dropped and read again as needed.
    private const int MaxEntries = 256;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Guid, (Guid Version, Investigation Investigation)> held = new();

    /// <summary>The investigation <paramref name="id"/> if held at exactly <paramref name="version"/>, else null.</summary>
    public Investigation? Find(Guid id, Guid version) =>
        held.TryGetValue(id, out var entry) && entry.Version == version ? entry.Investigation : null;

    public void Keep(Guid id, Guid version, Investigation investigation)
    {
        if (held.Count >= MaxEntries)
        {
            held.Clear();
        }
        held[id] = (version, investigation);
    }
}
