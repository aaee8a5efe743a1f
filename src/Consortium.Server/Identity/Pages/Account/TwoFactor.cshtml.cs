using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Consortium.Server.Identity.Pages.Account;

/// <summary>Step two: a TOTP code, or one of the recovery codes (each works once). Failures count towards lockout.</summary>
public sealed class TwoFactorModel(SignInManager<ConsortiumAccount> signIn, UserManager<ConsortiumAccount> users, SignInAudit audit, TimeProvider clock) : PageModel
{
    [BindProperty]
    public string Code { get; set; } = "";

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    public string? Error { get; private set; }

    public async Task<IActionResult> OnGetAsync() =>
        await signIn.GetTwoFactorAuthenticationUserAsync() is null ? RedirectToPage("Login", new { ReturnUrl }) : Page();

    public async Task<IActionResult> OnPostAsync()
    {
        var account = await signIn.GetTwoFactorAuthenticationUserAsync();
        if (account is null)
        {
            return RedirectToPage("Login", new { ReturnUrl });
        }
        var code = Code.Replace(" ", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal);
        var failuresBefore = await users.GetAccessFailedCountAsync(account);
        var result = code.Length == 6 && code.All(char.IsAsciiDigit)
            ? await signIn.TwoFactorAuthenticatorSignInAsync(code, isPersistent: false, rememberClient: false)
            // A locked-out account gets no recovery-code guesses either.
            : await users.IsLockedOutAsync(account) ? Microsoft.AspNetCore.Identity.SignInResult.LockedOut
            : await signIn.TwoFactorRecoveryCodeSignInAsync(Code.Trim());
        if (!result.Succeeded && !result.IsLockedOut && await users.GetAccessFailedCountAsync(account) == failuresBefore)
        {
            // Identity does not count a wrong recovery code towards lockout; guessing them must cost like guessing codes.
            await users.AccessFailedAsync(account);
            result = await users.IsLockedOutAsync(account) ? Microsoft.AspNetCore.Identity.SignInResult.LockedOut : result;
        }
        if (!result.Succeeded)
        {
            await audit.FailedAsync(account.Email ?? "", account.Id, result.IsLockedOut ? "locked out" : "wrong second factor", HttpContext);
            Error = result.IsLockedOut ? ServerText.T(LoginModel.GenericFailure) : ServerText.T("That code is not valid. Codes change every 30 seconds.");
            return Page();
        }
        // Issued again with the time of this sign-in, which sensitive actions check (see RecentSignIn).
        await signIn.SignInWithClaimsAsync(account, isPersistent: false, [new System.Security.Claims.Claim("amr", "mfa"), RecentSignIn.Now(clock)]);
        await audit.SucceededAsync(account, HttpContext);
        return LocalRedirect(SafeReturnUrl.Of(ReturnUrl, Url));
    }
}
