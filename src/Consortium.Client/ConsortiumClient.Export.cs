using System.Net.Http.Headers;

namespace Consortium.Client;

public sealed partial class ConsortiumClient
{
    /// <summary>
    /// Exports the records of a dataset that the caller may see into <paramref name="destination"/>, streamed as it
    /// arrives. <paramref name="format"/> is <c>csv</c> (dataset columns plus <c>phone_e164</c>; cells a spreadsheet
    /// would run as formulas start with an apostrophe) or <c>jsonl</c> (values unchanged). Coordinators and editors
    /// only, with a recent sign-in; the export is audited.
    /// </summary>
    /// <returns>The number of bytes written.</returns>
    public async Task<long> ExportAsync(Guid datasetId, string format, Stream destination, string? phoneDigits = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var path = $"api/datasets/{datasetId}/export?format={Uri.EscapeDataString(format)}" + (phoneDigits is null ? "" : $"&phone={Uri.EscapeDataString(phoneDigits)}");
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (accessToken is not null && await accessToken(cancellationToken) is { } token)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        // Headers first, then the body as it comes: an export is not held in memory on either side.
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        await EnsureSuccessAsync(response, cancellationToken);
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        var counting = 0L;
        var buffer = new byte[81920];
        int read;
        while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
        {
            await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            counting += read;
        }
        return counting;
    }
}
