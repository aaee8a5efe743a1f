using System.Collections.Concurrent;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using OpenIddict.Abstractions;
using OpenIddict.Validation;
using static OpenIddict.Validation.OpenIddictValidationEvents;
using static OpenIddict.Validation.OpenIddictValidationHandlers.Protection;

namespace Consortium.Server.Identity;

/// <summary>
/// Remembers what the cryptography of an access token proved, so a token sent again is not decrypted again. Our
/// access tokens are encrypted JWTs: unwrapping the content key is an RSA-3072 private-key operation, several
/// milliseconds of CPU on every request, the largest single cost of a small API call on our 2-core machine
/// (docs/decisions/0018-live-annotations-write-path.md).
/// </summary>
/// <remarks>
/// Only the step that depends on nothing but the token's bytes is skipped: decrypting, checking the signature, issuer,
/// audience and type (<see cref="ValidateIdentityModelToken"/>). Every check that can change after the token was
/// issued still runs on every request, after this: the expiry, and the token and authorization entries in the store
/// (a revoked token, a revoked authorization, a disabled account stop working at the very next request, cached or not).
/// The key is a SHA-256 of the token with the issuer and token types the request accepts, so a token is reused only
/// where the same validation would have accepted it.
/// </remarks>
public sealed class ValidatedTokenCache(TimeProvider clock)
{
    // Tokens live 30 minutes; a bound keeps a rotated signing or encryption key from being trusted for long.
    private static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(10);
    private const int MaxEntries = 20_000;
    private const string FromCache = "consortium:token-from-cache";

    private readonly ConcurrentDictionary<string, (ClaimsPrincipal Principal, DateTimeOffset Until)> entries = new(StringComparer.Ordinal);

    public int Count => entries.Count;

    private static string? KeyOf(ValidateTokenContext context)
    {
        // The JWT path only: another format (none is configured today) is left to its own handler.
        if (string.IsNullOrEmpty(context.Token) || context.TokenFormat is not (null or OpenIddictConstants.TokenFormats.Private.JsonWebToken))
        {
            return null;
        }
        var issuer = (context.Configuration.Issuer ?? context.BaseUri)?.AbsoluteUri ?? "";
        var types = string.Join(' ', context.ValidTokenTypes.Order(StringComparer.OrdinalIgnoreCase));
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(context.Token));
        return $"{Convert.ToHexString(hash)} {issuer} {types}";
    }

    private bool TryReuseFor(ValidateTokenContext context)
    {
        if (context.Principal is not null || KeyOf(context) is not { } key || !entries.TryGetValue(key, out var entry))
        {
            return false;
        }
        if (entry.Until <= clock.GetUtcNow())
        {
            entries.TryRemove(key, out _);
            return false;
        }
        // A copy: the handlers after this one add the token entry's dates and ids to the principal they get.
        context.Principal = Copy(entry.Principal);
        context.Transaction.Properties[FromCache] = true;
        return true;
    }

    private void RememberFrom(ValidateTokenContext context)
    {
        if (context.Principal is null || context.IsRejected || context.Transaction.Properties.ContainsKey(FromCache) || KeyOf(context) is not { } key)
        {
            return;
        }
        var now = clock.GetUtcNow();
        var until = now + MaxAge;
        if (context.Principal.GetExpirationDate() is { } expires && expires < until)
        {
            until = expires;
        }
        if (until <= now)
        {
            return;
        }
        if (entries.Count >= MaxEntries)
        {
            foreach (var (k, e) in entries)
            {
                if (e.Until <= now)
                {
                    entries.TryRemove(k, out _);
                }
            }
            if (entries.Count >= MaxEntries)
            {
                entries.Clear();
            }
        }
        entries[key] = (Copy(context.Principal), until);
    }

    /// <summary>
    /// A copy that shares nothing mutable with <paramref name="principal"/>. <c>ClaimsPrincipal.Clone()</c> is not that:
    /// IdentityModel's identities keep one list of claims between clones, so concurrent requests with the same token
    /// changed each other's claims ("Collection was modified").
    /// </summary>
    private static ClaimsPrincipal Copy(ClaimsPrincipal principal)
    {
        var copy = new ClaimsPrincipal();
        foreach (var identity in principal.Identities)
        {
            var fresh = new ClaimsIdentity(identity.AuthenticationType, identity.NameClaimType, identity.RoleClaimType) { Label = identity.Label };
            foreach (var claim in identity.Claims)
            {
                fresh.AddClaim(claim.Clone(fresh));
            }
            copy.AddIdentity(fresh);
        }
        return copy;
    }

    /// <summary>Runs just before the token is decrypted and verified; a remembered token skips that step.</summary>
    public sealed class Reuse(ValidatedTokenCache cache) : IOpenIddictValidationHandler<ValidateTokenContext>
    {
        public static OpenIddictValidationHandlerDescriptor Descriptor { get; } =
            OpenIddictValidationHandlerDescriptor.CreateBuilder<ValidateTokenContext>()
                .UseSingletonHandler<Reuse>()
                .SetOrder(ValidateIdentityModelToken.Descriptor.Order - 500)
                .SetType(OpenIddictValidationHandlerType.Custom)
                .Build();

        public ValueTask HandleAsync(ValidateTokenContext context)
        {
            cache.TryReuseFor(context);
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>
    /// Runs after the token's own claims are mapped and before anything from the store is added: what it keeps is what
    /// the token alone proved.
    /// </summary>
    public sealed class Remember(ValidatedTokenCache cache) : IOpenIddictValidationHandler<ValidateTokenContext>
    {
        public static OpenIddictValidationHandlerDescriptor Descriptor { get; } =
            OpenIddictValidationHandlerDescriptor.CreateBuilder<ValidateTokenContext>()
                .UseSingletonHandler<Remember>()
                .SetOrder(MapInternalClaims.Descriptor.Order + 500)
                .SetType(OpenIddictValidationHandlerType.Custom)
                .Build();

        public ValueTask HandleAsync(ValidateTokenContext context)
        {
            cache.RememberFrom(context);
            return ValueTask.CompletedTask;
        }
    }
}
