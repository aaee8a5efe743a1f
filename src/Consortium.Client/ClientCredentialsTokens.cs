using System.Net.Http.Json;
using System.Text.Json.Serialization;

namespace Consortium.Client;

/// <summary>
/// Access tokens for a sync client (OAuth 2.0 client credentials against the server's /connect/token), cached until
/// shortly before they expire. Thread-safe.
/// </summary>
public sealed class ClientCredentialsTokens(HttpClient http, string clientId, string clientSecret) : IDisposable
{
    private readonly SemaphoreSlim gate = new(1, 1);
    private string? token;
    private DateTimeOffset expires;

    /// <summary>A valid access token, fetched anew when the cached one is within a minute of expiry.</summary>
    public async Task<string?> GetAsync(CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            if (token is null || DateTimeOffset.UtcNow > expires)
            {
                using var response = await http.PostAsync("connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
                {
                    ["grant_type"] = "client_credentials",
                    ["client_id"] = clientId,
                    ["client_secret"] = clientSecret,
                    ["scope"] = "consortium.api",
                }), cancellationToken);
                if (!response.IsSuccessStatusCode)
                {
                    throw new ConsortiumProblemException(response.StatusCode, "The token endpoint refused the client credentials", await response.Content.ReadAsStringAsync(cancellationToken));
                }
                var answer = (await response.Content.ReadFromJsonAsync<TokenResponse>(cancellationToken))!;
                token = answer.AccessToken;
                expires = DateTimeOffset.UtcNow.AddSeconds(Math.Max(0, answer.ExpiresIn - 60));
            }
            return token;
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Releases the lock that serialises token requests.</summary>
    public void Dispose() => gate.Dispose();

    private sealed record TokenResponse([property: JsonPropertyName("access_token")] string AccessToken, [property: JsonPropertyName("expires_in")] int ExpiresIn);
}
