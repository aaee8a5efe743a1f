using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Consortium.Server.Identity.Pages.Account;

/// <summary>
/// Step one: the password. Every failure reads the same ("wrong, or locked"), whether the account exists or not, so the
/// page cannot be used to find out who has an account. Step two is the authenticator code, or enrolling one.
/// </summary>
public sealed class LoginModel(SignInManager<ConsortiumAccount> signIn, UserManager<ConsortiumAccount> users, SignInAudit audit, SignInBackoff backoff, TimeProvider clock) : PageModel
{
    public const string GenericFailure = "That email and password do not match an account that can sign in now. Repeated failures from one place are slowed down.";

    public const string GenericPasskeyFailure = "That passkey does not match an account that can sign in now.";

    [BindProperty]
    public string Email { get; set; } = "";

    [BindProperty]
    public string Password { get; set; } = "";

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    /// <summary>The authenticator's answer to a passkey sign-in (navigator.credentials.get's result, as JSON).</summary>
    [BindProperty]
    public string Credential { get; set; } = "";

    public string? Error { get; private set; }

    public async Task<IActionResult> OnPostAsync()
    {
        var address = HttpContext.Connection.RemoteIpAddress?.ToString();
        if (await backoff.BeginAsync(Email, address, HttpContext.RequestAborted) is { } wait)
        {
            // Same answer whether the email has an account or not; the password is not even checked.
            await audit.FailedAsync(Email, null, "slowed down after repeated failures", HttpContext);
            Error = ServerText.T("Too many failed attempts from here. Try again in {0} seconds.", Math.Ceiling(wait.TotalSeconds));
            Response.StatusCode = StatusCodes.Status429TooManyRequests;
            Response.Headers.RetryAfter = Math.Ceiling(wait.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return Page();
        }
        var result = await CheckPasswordAsync();
        if (Error is null)
        {
            // Counted as a failure when it began; a success clears the count.
            await backoff.SucceededAsync(Email, address, CancellationToken.None);
        }
        return result;
    }

    private async Task<IActionResult> CheckPasswordAsync()
    {
        var account = await users.FindByEmailAsync(Email.Trim());
        if (account is null || account.Disabled)
        {
            // Spend the time a password check would, so timing does not tell unknown accounts apart.
            users.PasswordHasher.VerifyHashedPassword(new ConsortiumAccount(), DummyHash.Value, Password);
            await audit.FailedAsync(Email, account?.Id, "unknown or disabled account", HttpContext);
            Error = ServerText.T(GenericFailure);
            return Page();
        }

        if (await users.GetTwoFactorEnabledAsync(account))
        {
            var result = await signIn.PasswordSignInAsync(account, Password, isPersistent: false, lockoutOnFailure: false);
            if (result.RequiresTwoFactor)
            {
                return RedirectToPage("TwoFactor", new { ReturnUrl });
            }
            await audit.FailedAsync(Email, account.Id, result.IsLockedOut ? "locked out" : "wrong password", HttpContext);
            Error = ServerText.T(GenericFailure);
            return Page();
        }

        // No second factor yet: the right password only opens the enrolment page.
        var check = await signIn.CheckPasswordSignInAsync(account, Password, lockoutOnFailure: false);
        if (!check.Succeeded)
        {
            await audit.FailedAsync(Email, account.Id, check.IsLockedOut ? "locked out" : "wrong password", HttpContext);
            Error = ServerText.T(GenericFailure);
            return Page();
        }
        await HttpContext.SignInAsync(EnrolmentCookie.Scheme, new ClaimsPrincipal(new ClaimsIdentity([new Claim(Claims.Subject, account.Id)], EnrolmentCookie.Scheme)));
        return RedirectToPage("Enrol", new { ReturnUrl });
    }

    /// <summary>The options for navigator.credentials.get, as JSON. No account is named: the passkey says whose it is.</summary>
    public async Task<IActionResult> OnPostPasskeyOptionsAsync() =>
        Content(await signIn.MakePasskeyRequestOptionsAsync(null), "application/json");

    /// <summary>
    /// A passkey sign-in. The passkey is both factors (the authenticator verified the person), so it opens a full
    /// session on its own; the account must still be one that can sign in now. Every refusal reads the same.
    /// </summary>
    public async Task<IActionResult> OnPostPasskeyAsync()
    {
        PasskeyAssertionResult<ConsortiumAccount>? assertion = null;
        if (!string.IsNullOrEmpty(Credential))
        {
            try
            {
                assertion = await signIn.PerformPasskeyAssertionAsync(Credential);
            }
            catch (InvalidOperationException)
            {
                // No ceremony under way in this browser: the 5-minute cookie expired, or another tab used it.
            }
        }
        if (assertion is not { Succeeded: true })
        {
            await audit.FailedAsync("", null, "passkey not accepted", HttpContext);
            return PasskeyFailure();
        }
        var account = assertion.User;
        if (account.Disabled || await users.IsLockedOutAsync(account))
        {
            await audit.FailedAsync(account.Email ?? "", account.Id, account.Disabled ? "disabled account (passkey)" : "locked out (passkey)", HttpContext);
            return PasskeyFailure();
        }
        // Keeps the signature counter, which lets a cloned authenticator be noticed.
        if (!(await users.AddOrUpdatePasskeyAsync(account, assertion.Passkey)).Succeeded)
        {
            await audit.FailedAsync(account.Email ?? "", account.Id, "passkey not updated", HttpContext);
            return PasskeyFailure();
        }
        await signIn.SignInWithClaimsAsync(account, isPersistent: false, [new Claim("amr", "mfa"), RecentSignIn.Now(clock)]);
        await audit.SucceededAsync(account, HttpContext, "passkey");
        return new JsonResult(new { redirect = SafeReturnUrl.Of(ReturnUrl, Url) });
    }

    private static JsonResult PasskeyFailure() => new(new { error = ServerText.T(GenericPasskeyFailure) }) { StatusCode = StatusCodes.Status400BadRequest };

    private static readonly Lazy<string> DummyHash = new(() => new PasswordHasher<ConsortiumAccount>().HashPassword(new ConsortiumAccount(), Guid.NewGuid().ToString()));
}
