using System.Globalization;
using System.Security.Claims;
using Consortium.Server.Storage;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Npgsql;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Consortium.Server.Identity;

/// <summary>
/// Whether the credential that opened a long-lived connection still holds: a bearer token still valid in the store (not
/// revoked at /connect/revoke, its authorization alive, its client not deleted), a browser session whose account still
/// carries the security stamp it was issued with (sign-out, a new password or a disabled account change it) and whose
/// absolute lifetime has not run out. SignalR checks identity only when a connection starts; this is the re-check.
/// </summary>
public sealed class SessionValidity(StorageSettings storage, IOptions<IdentityOptions> identity, IConfiguration configuration, TimeProvider clock)
{
    private static readonly string TokensSql = $"""
        select t."Id" from {IdentityStore.Schema}."OpenIddictTokens" t
        left join {IdentityStore.Schema}."OpenIddictAuthorizations" a on a."Id" = t."AuthorizationId"
        where t."Id" = any($1) and t."Status" = 'valid' and (t."ExpirationDate" is null or t."ExpirationDate" > now())
          and (t."AuthorizationId" is null or a."Status" = 'valid')
        """;

    private static readonly string AccountsSql = $"""
        select "Id", "SecurityStamp" from {IdentityStore.Schema}."AspNetUsers" where "Id" = any($1) and not "Disabled"
        """;

    /// <summary>How long a browser session lasts at most after its sign-in, however active (configurable).</summary>
    public TimeSpan SessionLifetime => configuration.GetValue("Identity:SessionLifetime", TimeSpan.FromHours(12));

    /// <summary>How long a browser session lasts without a request (configurable).</summary>
    public TimeSpan SessionIdleTimeout => configuration.GetValue("Identity:SessionIdleTimeout", TimeSpan.FromHours(2));

    private string StampClaim => identity.Value.ClaimsIdentity.SecurityStampClaimType;

    /// <summary>A browser session (cookie) principal carries the account's security stamp; tokens never do.</summary>
    public bool IsBrowserSession(ClaimsPrincipal principal) => principal.FindFirst(StampClaim) is not null;

    /// <summary>True when the session's sign-in is older than <see cref="SessionLifetime"/> (or its time is unknown).</summary>
    public bool OutlivedItsLifetime(ClaimsPrincipal principal) =>
        !long.TryParse(principal.FindFirstValue(Claims.AuthenticationTime), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
        || clock.GetUtcNow() - DateTimeOffset.FromUnixTimeSeconds(seconds) > SessionLifetime;

    /// <summary>For each principal, in order, whether its credential still holds. One query for tokens, one for accounts.</summary>
    public async Task<bool[]> StillValidAsync(IReadOnlyList<ClaimsPrincipal> principals, CancellationToken cancellationToken)
    {
        var tokenIds = principals.Select(p => IsBrowserSession(p) ? null : p.GetTokenId()).ToArray();
        var accountIds = principals.Select(p => IsBrowserSession(p) ? p.FindFirstValue(Claims.Subject) : null).ToArray();
        await using var connection = new NpgsqlConnection(storage.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        var validTokens = await ReadIdsAsync(connection, TokensSql, tokenIds.OfType<string>().Distinct().ToArray(), _ => "", cancellationToken);
        var stamps = await ReadIdsAsync(connection, AccountsSql, accountIds.OfType<string>().Distinct().ToArray(), r => r.IsDBNull(1) ? "" : r.GetString(1), cancellationToken);
        var result = new bool[principals.Count];
        for (var i = 0; i < principals.Count; i++)
        {
            result[i] = accountIds[i] is { } account
                ? stamps.TryGetValue(account, out var stamp) && stamp == principals[i].FindFirstValue(StampClaim) && !OutlivedItsLifetime(principals[i])
                // A principal with neither (none of ours) is not trusted to stay.
                : tokenIds[i] is { } token && validTokens.ContainsKey(token);
        }
        return result;
    }

    private static async Task<Dictionary<string, string>> ReadIdsAsync(NpgsqlConnection connection, string sql, string[] ids, Func<NpgsqlDataReader, string> value, CancellationToken cancellationToken)
    {
        var found = new Dictionary<string, string>(StringComparer.Ordinal);
        if (ids.Length == 0)
        {
            return found;
        }
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = ids });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            found[reader.GetString(0)] = value(reader);
        }
        return found;
    }
}
