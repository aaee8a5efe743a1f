using System.Net.Http.Headers;

namespace Consortium.Client;

public sealed partial class ConsortiumClient
{
    /// <summary>
    /// Uploads an evidence file (a forensic report, an extraction) into an investigation; the answer names it by SHA-256.
    /// Cite it in <see cref="MoveVerificationAsync"/> as an <see cref="EvidenceView"/> with that hash and size, and it
    /// becomes downloadable, through that verification, by whoever may read it. Uploading the same bytes again stores
    /// nothing new.
    /// </summary>
    public async Task<EvidenceFileView> UploadEvidenceAsync(Guid investigationId, Stream file, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(file);
        using var content = new StreamContent(file, 64 * 1024);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        if (file.CanSeek)
        {
            content.Headers.ContentLength = file.Length - file.Position;
        }
        using var request = new HttpRequestMessage(HttpMethod.Post, $"api/investigations/{investigationId}/evidence") { Content = content };
        // A refusal (too large, no access) then comes before the upload rather than after it.
        request.Headers.ExpectContinue = file.CanSeek;
        using var response = await SendAsync(request, cancellationToken);
        return await ReadAsync<EvidenceFileView>(response, cancellationToken);
    }

    /// <summary>Downloads an evidence file cited by a verification into <paramref name="destination"/>; returns the bytes written.</summary>
    public async Task<long> DownloadEvidenceAsync(Guid annotationId, string sha256, Stream destination, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        using var request = new HttpRequestMessage(HttpMethod.Get, $"api/annotations/{annotationId}/evidence/{Uri.EscapeDataString(sha256)}");
        if (accessToken is not null && await accessToken(cancellationToken) is { } token)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        await EnsureSuccessAsync(response, cancellationToken);
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        var before = destination.CanSeek ? destination.Position : 0;
        await body.CopyToAsync(destination, cancellationToken);
        return destination.CanSeek ? destination.Position - before : response.Content.Headers.ContentLength ?? -1;
    }
}
