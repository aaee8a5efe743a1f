using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;

namespace Consortium.Server.Identity;

/// <summary>
/// Identity's account store, except that recovery codes are stored as salted PBKDF2 hashes: Identity keeps them in its
/// token table in the clear, so a copy of the database (a backup, a dump for debugging) would hand out a second factor
/// for every account. A code still works once; codes stored by an older version in the clear keep working once too.
/// </summary>
public sealed class HashedRecoveryCodes(IdentityStore context, IdentityErrorDescriber? describer = null)
    : UserStore<ConsortiumAccount, IdentityRole, IdentityStore>(context, describer)
{
    private const string LoginProvider = "[AspNetUserStore]";
    private const string TokenName = "RecoveryCodes";
    private const string Prefix = "pbkdf2$";
    private const int Iterations = 60_000;

    public override Task ReplaceCodesAsync(ConsortiumAccount user, IEnumerable<string> recoveryCodes, CancellationToken cancellationToken) =>
        base.ReplaceCodesAsync(user, recoveryCodes.Select(Hash).ToList(), cancellationToken);

    public override async Task<bool> RedeemCodeAsync(ConsortiumAccount user, string code, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(code);
        var stored = await GetTokenAsync(user, LoginProvider, TokenName, cancellationToken) ?? "";
        var codes = stored.Split(';', StringSplitOptions.RemoveEmptyEntries).ToList();
        var match = codes.FindIndex(c => Matches(c, code));
        if (match < 0)
        {
            return false;
        }
        codes.RemoveAt(match);
        await SetTokenAsync(user, LoginProvider, TokenName, string.Join(';', codes), cancellationToken);
        return true;
    }

    private static string Hash(string code)
    {
        var salt = RandomNumberGenerator.GetBytes(16);
        var hash = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(code), salt, Iterations, HashAlgorithmName.SHA256, 32);
        return $"{Prefix}{Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}";
    }

    private static bool Matches(string stored, string code)
    {
        if (!stored.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(stored), Encoding.UTF8.GetBytes(code));
        }
        var parts = stored[Prefix.Length..].Split('$');
        if (parts.Length != 2)
        {
            return false;
        }
        var expected = Convert.FromBase64String(parts[1]);
        var actual = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(code), Convert.FromBase64String(parts[0]), Iterations, HashAlgorithmName.SHA256, expected.Length);
        return CryptographicOperations.FixedTimeEquals(expected, actual);
    }
}
