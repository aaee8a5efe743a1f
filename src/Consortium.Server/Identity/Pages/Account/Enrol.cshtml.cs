using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using QRCoder;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Consortium.Server.Identity.Pages.Account;

/// <summary>Enrols a TOTP authenticator for an account that proved its password, turns on 2FA and hands out recovery codes.</summary>
[Authorize(AuthenticationSchemes = EnrolmentCookie.Scheme)]
public sealed class EnrolModel(UserManager<ConsortiumAccount> users, SignInManager<ConsortiumAccount> signIn, SignInAudit audit, UrlEncoder urlEncoder, TimeProvider clock) : PageModel
{
    [BindProperty]
    public string Code { get; set; } = "";

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    public string? Error { get; private set; }

    public string SharedKey { get; private set; } = "";

    public string QrCodeDataUri { get; private set; } = "";

    public IReadOnlyList<string>? RecoveryCodes { get; private set; }

    public string ContinueUrl => SafeReturnUrl.Of(ReturnUrl, Url);

    public async Task<IActionResult> OnGetAsync()
    {
        var account = await AccountAsync();
        if (account is null)
        {
            return RedirectToPage("Login", new { ReturnUrl });
        }
        await LoadKeyAsync(account);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync()
    {
        var account = await AccountAsync();
        if (account is null)
        {
            return RedirectToPage("Login", new { ReturnUrl });
        }
        var code = Code.Replace(" ", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal);
        if (!await users.VerifyTwoFactorTokenAsync(account, users.Options.Tokens.AuthenticatorTokenProvider, code))
        {
            Error = ServerText.T("That code does not match. Check the time on your phone and try the newest code.");
            await LoadKeyAsync(account);
            return Page();
        }
        await users.SetTwoFactorEnabledAsync(account, true);
        RecoveryCodes = (await users.GenerateNewTwoFactorRecoveryCodesAsync(account, 10))!.ToList();
        await HttpContext.SignOutAsync(EnrolmentCookie.Scheme);
        await signIn.SignInWithClaimsAsync(account, isPersistent: false, [new System.Security.Claims.Claim("amr", "mfa"), RecentSignIn.Now(clock)]);
        await audit.SucceededAsync(account, HttpContext);
        return Page();
    }

    private async Task<ConsortiumAccount?> AccountAsync()
    {
        var account = await users.FindByIdAsync(User.FindFirst(Claims.Subject)?.Value ?? "");
        // An account that enrolled meanwhile (another tab) must sign in with its code, not enrol again.
        return account is null || account.Disabled || await users.GetTwoFactorEnabledAsync(account) ? null : account;
    }

    private async Task LoadKeyAsync(ConsortiumAccount account)
    {
        var key = await users.GetAuthenticatorKeyAsync(account);
        if (string.IsNullOrEmpty(key))
        {
            await users.ResetAuthenticatorKeyAsync(account);
            key = await users.GetAuthenticatorKeyAsync(account);
        }
        SharedKey = string.Join(' ', key!.Chunk(4).Select(c => new string(c))).ToLowerInvariant();
        var uri = $"otpauth://totp/{urlEncoder.Encode("Consortium")}:{urlEncoder.Encode(account.Email ?? account.UserName ?? "")}?secret={key}&issuer={urlEncoder.Encode("Consortium")}&digits=6";
        using var data = QRCodeGenerator.GenerateQrCode(uri, QRCodeGenerator.ECCLevel.Q);
        QrCodeDataUri = "data:image/png;base64," + Convert.ToBase64String(new PngByteQRCode(data).GetGraphic(8));
    }
}
