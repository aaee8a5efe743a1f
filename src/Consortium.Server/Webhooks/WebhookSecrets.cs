using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;

namespace Consortium.Server.Webhooks;

/// <summary>
/// Signing secrets in the Standard Webhooks form, <c>whsec_</c> + base64 of 32 random bytes. Stored encrypted with
/// ASP.NET Data Protection (the keys every node shares in the keys directory, docs/operations.md), never a hash: the
/// server must sign with them. Shown to the administrator once, at creation or rotation.
/// </summary>
public sealed class WebhookSecrets(IDataProtectionProvider provider)
{
    public const string Prefix = "whsec_";
    private readonly IDataProtector protector = provider.CreateProtector("Consortium.Webhooks.SigningSecret.v1");

    public static string New() => Prefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    public string Protect(string secret) => protector.Protect(secret);

    public string Unprotect(string protectedSecret) => protector.Unprotect(protectedSecret);
}
