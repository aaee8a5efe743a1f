using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;

namespace Consortium.Server.Webhooks;

/// <summary>
/// Signing secrets in the Standard Webhooks form, <c>whsec_</c> + base64 of 32 random bytes. Stored encrypted with
/// ASP.NET Data Protection, never a hash: the server must sign with them. The key ring is in the keys folder
/// (<c>Identity:KeysDirectory</c>, mounted on every node), or in PostgreSQL in clear only with the explicit
/// <c>Identity:KeysInDatabase</c> opt-in, where a database reader could decrypt these secrets (docs/security.md).
/// Shown to the administrator once, at creation or rotation.
/// </summary>
public sealed class WebhookSecrets(IDataProtectionProvider provider)
{
    public const string Prefix = "whsec_";
    private readonly IDataProtector protector = provider.CreateProtector("Consortium.Webhooks.SigningSecret.v1");

    public static string New() => Prefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    public string Protect(string secret) => protector.Protect(secret);

    public string Unprotect(string protectedSecret) => protector.Unprotect(protectedSecret);
}
