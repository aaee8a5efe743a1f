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
public sealed class LoginModel(SignInManager<ConsortiumAccount> signIn, UserManager<ConsortiumAccount> users, SignInAudit audit) : PageModel
{
    public const string GenericFailure = "That email and password do not match an account that can sign in now. After 5 failed attempts an account is locked for 15 minutes.";

    [BindProperty]
    public string Email { get; set; } = "";

    [BindProperty]
    public string Password { get; set; } = "";

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    public string? Error { get; private set; }

    public async Task<IActionResult> OnPostAsync()
    {
        var account = await users.FindByEmailAsync(Email.Trim());
        if (account is null || account.Disabled)
        {
            // Spend the time a password check would, so timing does not tell unknown accounts apart.
            users.PasswordHasher.VerifyHashedPassword(new ConsortiumAccount(), DummyHash.Value, Password);
            await audit.FailedAsync(Email, account?.Id, "unknown or disabled account", HttpContext);
            Error = GenericFailure;
            return Page();
        }

        if (await users.GetTwoFactorEnabledAsync(account))
        {
            var result = await signIn.PasswordSignInAsync(account, Password, isPersistent: false, lockoutOnFailure: true);
            if (result.RequiresTwoFactor)
            {
                return RedirectToPage("TwoFactor", new { ReturnUrl });
            }
            await audit.FailedAsync(Email, account.Id, result.IsLockedOut ? "locked out" : "wrong password", HttpContext);
            Error = GenericFailure;
            return Page();
        }

        // No second factor yet: the right password only opens the enrolment page.
        var check = await signIn.CheckPasswordSignInAsync(account, Password, lockoutOnFailure: true);
        if (!check.Succeeded)
        {
            await audit.FailedAsync(Email, account.Id, check.IsLockedOut ? "locked out" : "wrong password", HttpContext);
            Error = GenericFailure;
            return Page();
        }
        await HttpContext.SignInAsync(EnrolmentCookie.Scheme, new ClaimsPrincipal(new ClaimsIdentity([new Claim(Claims.Subject, account.Id)], EnrolmentCookie.Scheme)));
        return RedirectToPage("Enrol", new { ReturnUrl });
    }

    private static readonly Lazy<string> DummyHash = new(() => new PasswordHasher<ConsortiumAccount>().HashPassword(new ConsortiumAccount(), Guid.NewGuid().ToString()));
}
