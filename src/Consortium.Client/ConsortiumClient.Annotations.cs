using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Consortium.Client;

public sealed partial class ConsortiumClient
{
    /// <summary>Adds an annotation of any kind to a record.</summary>
    public Task<AnnotationView> AddAnnotationAsync(Guid recordId, NewAnnotation annotation, CancellationToken cancellationToken = default) =>
        PostAsync<AnnotationView>($"api/records/{recordId}/annotations", annotation, cancellationToken);

    /// <summary>The verification board: the investigation's verifications the caller may read.</summary>
    public Task<IReadOnlyList<AnnotationView>> ListVerificationsAsync(Guid investigationId, CancellationToken cancellationToken = default) =>
        GetAsync<IReadOnlyList<AnnotationView>>($"api/investigations/{investigationId}/verifications", cancellationToken);

    /// <summary>One annotation, as the caller may read it.</summary>
    public Task<AnnotationView> GetAnnotationAsync(Guid annotationId, CancellationToken cancellationToken = default) =>
        GetAsync<AnnotationView>($"api/annotations/{annotationId}", cancellationToken);

    /// <summary>Every event of an annotation, oldest first, with the state after each.</summary>
    public Task<IReadOnlyList<AnnotationHistoryEntry>> GetAnnotationHistoryAsync(Guid annotationId, CancellationToken cancellationToken = default) =>
        GetAsync<IReadOnlyList<AnnotationHistoryEntry>>($"api/annotations/{annotationId}/history", cancellationToken);

    /// <summary>Edits an annotation at <paramref name="version"/>; <see cref="AnnotationConflictException"/> when it changed meanwhile.</summary>
    public Task<AnnotationView> EditAnnotationAsync(Guid annotationId, long version, AnnotationChange change, CancellationToken cancellationToken = default) =>
        ChangeAsync(HttpMethod.Patch, $"api/annotations/{annotationId}", version, change, cancellationToken);

    /// <summary>Moves a verification one step; <see cref="AnnotationConflictException"/> when it changed meanwhile.</summary>
    public Task<AnnotationView> MoveVerificationAsync(Guid annotationId, long version, VerificationChange change, CancellationToken cancellationToken = default) =>
        ChangeAsync(HttpMethod.Post, $"api/annotations/{annotationId}/verification", version, change, cancellationToken);

    /// <summary>Assigns (or unassigns, with null) an annotation.</summary>
    public Task<AnnotationView> AssignAnnotationAsync(Guid annotationId, long version, string? assigneeUserId, CancellationToken cancellationToken = default) =>
        ChangeAsync(HttpMethod.Post, $"api/annotations/{annotationId}/assignment", version, new AssignmentChange(assigneeUserId), cancellationToken);

    /// <summary>Resolves or reopens a thread.</summary>
    public Task<AnnotationView> ResolveAnnotationAsync(Guid annotationId, long version, bool resolved, CancellationToken cancellationToken = default) =>
        ChangeAsync(HttpMethod.Post, $"api/annotations/{annotationId}/resolution", version, new ResolutionChange(resolved), cancellationToken);

    /// <summary>Retracts an annotation; it stays in the history.</summary>
    public Task<AnnotationView> RetractAnnotationAsync(Guid annotationId, long version, string? reason = null, CancellationToken cancellationToken = default) =>
        ChangeAsync(HttpMethod.Post, $"api/annotations/{annotationId}/retraction", version, new Retraction(reason), cancellationToken);

    /// <summary>A page of an investigation's changes feed after <paramref name="cursor"/> (null: from the beginning).</summary>
    public Task<ChangesPage> ReadChangesAsync(Guid investigationId, string? cursor = null, int limit = 500, CancellationToken cancellationToken = default) =>
        GetAsync<ChangesPage>($"api/investigations/{investigationId}/changes?limit={limit}" + (cursor is null ? "" : "&after=" + Uri.EscapeDataString(cursor)), cancellationToken);

    /// <summary>
    /// Every change after <paramref name="cursor"/> until the caller is current, page by page; each page's cursor is
    /// handed to <paramref name="onPage"/> after its entries, so a caller that stores it resumes exactly there.
    /// </summary>
    public async IAsyncEnumerable<ChangeEntry> ReadAllChangesAsync(Guid investigationId, string? cursor, Func<string, Task>? onPage = null,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        while (true)
        {
            var page = await ReadChangesAsync(investigationId, cursor, cancellationToken: cancellationToken);
            foreach (var entry in page.Items)
            {
                yield return entry;
            }
            cursor = page.Cursor;
            if (onPage is not null && page.Items.Count > 0)
            {
                await onPage(cursor);
            }
            if (!page.HasMore)
            {
                yield break;
            }
        }
    }

    /// <summary>The caller's inbox, newest first (only entries whose annotation they may still read).</summary>
    public Task<IReadOnlyList<NotificationView>> ListInboxAsync(bool unreadOnly = false, CancellationToken cancellationToken = default) =>
        GetAsync<IReadOnlyList<NotificationView>>(unreadOnly ? "api/inbox?unread=true" : "api/inbox", cancellationToken);

    /// <summary>Marks an inbox entry read.</summary>
    public async Task MarkNotificationReadAsync(Guid notificationId, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"api/inbox/{notificationId}/read");
        using var response = await SendAsync(request, cancellationToken);
        await EnsureSuccessAsync(response, cancellationToken);
    }

    /// <summary>The daily digest of the last 24 hours, as plain text.</summary>
    public async Task<string> GetDigestAsync(CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "api/inbox/digest");
        using var response = await SendAsync(request, cancellationToken);
        await EnsureSuccessAsync(response, cancellationToken);
        return await response.Content.ReadAsStringAsync(cancellationToken);
    }

    /// <summary>Sets the caller's digest preference.</summary>
    public Task<DigestPreference> SetDigestPreferenceAsync(DigestPreference preference, CancellationToken cancellationToken = default) =>
        SendJsonAsync<DigestPreference>(HttpMethod.Put, "api/inbox/preference", preference, cancellationToken);

    /// <summary>Follows (or, with <paramref name="follow"/> false, stops following) a record: replies and verification changes on it reach the inbox.</summary>
    public async Task FollowRecordAsync(Guid recordId, bool follow = true, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(follow ? HttpMethod.Put : HttpMethod.Delete, $"api/records/{recordId}/follow");
        using var response = await SendAsync(request, cancellationToken);
        await EnsureSuccessAsync(response, cancellationToken);
    }

    private async Task<AnnotationView> ChangeAsync(HttpMethod method, string path, long version, object body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path) { Content = JsonContent.Create(body, body.GetType(), options: Json) };
        request.Headers.IfMatch.Add(new System.Net.Http.Headers.EntityTagHeaderValue($"\"{version}\""));
        using var response = await SendAsync(request, cancellationToken);
        if (response.StatusCode == HttpStatusCode.Conflict)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            using var document = JsonDocument.Parse(text);
            if (document.RootElement.TryGetProperty("current", out var current))
            {
                throw new AnnotationConflictException(current.Deserialize<AnnotationView>(Json)!);
            }
        }
        return await ReadAsync<AnnotationView>(response, cancellationToken);
    }
}

/// <summary>The annotation changed since the version a change was based on; <see cref="Current"/> is how it stands now.</summary>
public sealed class AnnotationConflictException(AnnotationView current)
    : Exception($"The annotation changed meanwhile; it is at version {current.Version} now.")
{
    /// <summary>The annotation as it stands now.</summary>
    public AnnotationView Current { get; } = current;
}
