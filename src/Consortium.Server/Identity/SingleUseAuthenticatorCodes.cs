using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using Consortium.Server.Storage;
using Microsoft.AspNetCore.Identity;
using Npgsql;

namespace Consortium.Server.Identity;

/// <summary>
/// Authenticator (TOTP, RFC 6238) codes that work once. Identity's own provider accepts the same code again for as long
/// as its time step is within the window, so a code read over a shoulder, or replayed by a phishing proxy, opens a second
/// session. Here the newest step used is kept per account (in Identity's token table) and only a later one is accepted;
/// the compare-and-set is one SQL statement, so two sign-ins racing with one code cannot both win, on any node.
/// </summary>
public sealed class SingleUseAuthenticatorCodes(StorageSettings storage, TimeProvider clock) : IUserTwoFactorTokenProvider<ConsortiumAccount>
{
    public const string ProviderName = "SingleUseAuthenticator";

    private const string LoginProvider = "[Consortium]";
    private const string TokenName = "LastAuthenticatorStep";

    // Identity's window: two steps either side of now, for phones whose clocks drift.
    private const int Window = 2;

    private static readonly string ClaimStepSql = $"""
        insert into {IdentityStore.Schema}."AspNetUserTokens" ("UserId", "LoginProvider", "Name", "Value") values ($1, '{LoginProvider}', '{TokenName}', $2)
        on conflict ("UserId", "LoginProvider", "Name") do update set "Value" = excluded."Value"
        where {IdentityStore.Schema}."AspNetUserTokens"."Value"::bigint < excluded."Value"::bigint
        """;

    public async Task<bool> CanGenerateTwoFactorTokenAsync(UserManager<ConsortiumAccount> manager, ConsortiumAccount user) =>
        !string.IsNullOrWhiteSpace(await manager.GetAuthenticatorKeyAsync(user));

    // The code comes from the person's app, never from the server.
    public Task<string> GenerateAsync(string purpose, UserManager<ConsortiumAccount> manager, ConsortiumAccount user) => Task.FromResult("");

    public async Task<bool> ValidateAsync(string purpose, string token, UserManager<ConsortiumAccount> manager, ConsortiumAccount user)
    {
        if (token.Length != 6 || !int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out var code)
            || await manager.GetAuthenticatorKeyAsync(user) is not { Length: > 0 } key)
        {
            return false;
        }
        var secret = Base32Decode(key);
        var now = clock.GetUtcNow().ToUnixTimeSeconds() / 30;
        for (var step = now + Window; step >= now - Window; step--)
        {
            if (CryptographicOperations.FixedTimeEquals(BitConverter.GetBytes(Code(secret, step)), BitConverter.GetBytes(code)))
            {
                return await ClaimStepAsync(user.Id, step);
            }
        }
        return false;
    }

    /// <summary>Records <paramref name="step"/> as used; false when it, or a later one, was used already.</summary>
    private async Task<bool> ClaimStepAsync(string userId, long step)
    {
        await using var connection = new NpgsqlConnection(storage.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(ClaimStepSql, connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = userId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = step.ToString(CultureInfo.InvariantCulture) });
        return await command.ExecuteNonQueryAsync() == 1;
    }

    private static int Code(byte[] secret, long step)
    {
        Span<byte> counter = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(counter, step);
        Span<byte> hash = stackalloc byte[20];
#pragma warning disable CA5350 // RFC 6238 as authenticator apps implement it: HMAC-SHA1.
        HMACSHA1.HashData(secret, counter, hash);
#pragma warning restore CA5350
        var offset = hash[^1] & 0x0F;
        var binary = (BinaryPrimitives.ReadInt32BigEndian(hash[offset..]) & 0x7FFFFFFF);
        return binary % 1_000_000;
    }

    private static byte[] Base32Decode(string text)
    {
        const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        var output = new List<byte>(text.Length * 5 / 8);
        int buffer = 0, bits = 0;
        foreach (var c in text.TrimEnd('=').ToUpperInvariant())
        {
            var value = Alphabet.IndexOf(c, StringComparison.Ordinal);
            if (value < 0)
            {
                continue;
            }
            buffer = (buffer << 5) | value;
            bits += 5;
            if (bits >= 8)
            {
                output.Add((byte)(buffer >> (bits - 8)));
                bits -= 8;
            }
        }
        return [.. output];
    }
}
