using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Consortium.Server.Identity.Pages.Account;

/// <summary>The invitation link's landing page: the invitee chooses a password, which uses up the link, then enrols an authenticator.</summary>
public sealed class AcceptModel(UserManager<ConsortiumAccount> users) : PageModel
{
    private const string InvalidLink = "This invitation link is not valid any more. Ask your outlet's administrator for a new one.";

    [BindProperty(SupportsGet = true, Name = "user")]
    public string UserId { get; set; } = "";

    [BindProperty(SupportsGet = true)]
    public string Token { get; set; } = "";

    [BindProperty]
    public string Password { get; set; } = "";

    [BindProperty]
    public string Confirm { get; set; } = "";

    public string Email { get; private set; } = "";

    public string? Error { get; private set; }

    public async Task<IActionResult> OnGetAsync()
    {
        var account = await InvitedAsync();
        if (account is null)
        {
            Error = ServerText.T(InvalidLink);
            return Page();
        }
        Email = account.Email ?? "";
        return Page();
    }

    public async Task<IActionResult> OnPostAsync()
    {
        var account = await InvitedAsync();
        if (account is null)
        {
            Error = ServerText.T(InvalidLink);
            return Page();
        }
        Email = account.Email ?? "";
        if (Password != Confirm)
        {
            Error = ServerText.T("The two passwords differ.");
            return Page();
        }
        var reset = await users.ResetPasswordAsync(account, Token, Password);
        if (!reset.Succeeded)
        {
            Error = string.Join(" ", reset.Errors.Select(e => e.Code == "InvalidToken" ? ServerText.T(InvalidLink) : e.Description));
            return Page();
        }
        await HttpContext.SignInAsync(EnrolmentCookie.Scheme, new ClaimsPrincipal(new ClaimsIdentity([new Claim(Claims.Subject, account.Id)], EnrolmentCookie.Scheme)));
        return RedirectToPage("Enrol");
    }

    // Only accounts that never set a password can be joined through a link; the token itself is checked on reset.
    private async Task<ConsortiumAccount?> InvitedAsync()
    {
        var account = await users.FindByIdAsync(UserId);
        return account is { Disabled: false } && !await users.HasPasswordAsync(account) ? account : null;
    }
}
