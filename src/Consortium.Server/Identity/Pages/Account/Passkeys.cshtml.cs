using System.Buffers.Text;
using System.Globalization;
using System.Security.Claims;
using Consortium.Client;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Consortium.Server.Identity.Pages.Account;

/// <summary>
/// A signed-in person's passkeys: the list, adding one (the browser's WebAuthn ceremony, driven by passkeys.js) and
/// removing one. Adding or removing one is a new way into the account (or one fewer), so it needs a recent sign-in
/// (<see cref="RecentSignIn"/>): otherwise the page first asks for the password again.
/// </summary>
public sealed class PasskeysModel(
    UserManager<ConsortiumAccount> users, SignInManager<ConsortiumAccount> signIn, SignInAudit audit, RecentSignIn recent, SignInBackoff backoff, TimeProvider clock) : PageModel
{
    public const int MaxNameLength = 100;

    /// <summary>Enough for a laptop, a phone and a few security keys; a bound on what one session can plant.</summary>
    public const int MaxPasskeys = 20;

    [BindProperty]
    public string Password { get; set; } = "";

    [BindProperty]
    public string Name { get; set; } = "";

    [BindProperty]
    public string Credential { get; set; } = "";

    [BindProperty]
    public string PasskeyId { get; set; } = "";

    [TempData]
    public string? Message { get; set; }

    public string? Error { get; private set; }

    /// <summary>Whether the session proved its owner recently enough to add or remove passkeys.</summary>
    public bool Recent { get; private set; }

    public IReadOnlyList<PasskeyRow> Passkeys { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync()
    {
        if (await AccountAsync() is not { } account)
        {
            return SignInFirst();
        }
        await LoadAsync(account);
        return Page();
    }

    /// <summary>Re-authentication: the password again, which renews the session's sign-in time.</summary>
    public async Task<IActionResult> OnPostConfirmAsync()
    {
        if (await AccountAsync() is not { } account)
        {
            return SignInFirst();
        }
        // Wrong passwords slow down (as at the login page), never lock: whoever holds the session must not be able to lock
        // the journalist out of every device by typing wrong passwords here.
        var email = account.Email ?? account.Id;
        var address = HttpContext.Connection.RemoteIpAddress?.ToString();
        if (await backoff.BeginAsync(email, address, HttpContext.RequestAborted) is { } wait)
        {
            await audit.FailedAsync(email, account.Id, "slowed down after repeated failures (re-authentication)", HttpContext);
            Error = ServerText.T("Too many wrong passwords. Try again in {0} seconds.", Math.Ceiling(wait.TotalSeconds));
            await LoadAsync(account);
            return Page();
        }
        var check = await signIn.CheckPasswordSignInAsync(account, Password, lockoutOnFailure: false);
        if (!check.Succeeded)
        {
            await audit.FailedAsync(account.Email ?? "", account.Id, check.IsLockedOut ? "locked out (re-authentication)" : "wrong password (re-authentication)", HttpContext);
            Error = check.IsLockedOut
                ? ServerText.T("Your account is locked for now; try again later.")
                : ServerText.T("That password is not right.");
            await LoadAsync(account);
            return Page();
        }
        // Counted as a failure when it began; a success clears the count.
        await backoff.SucceededAsync(email, address, CancellationToken.None);
        // The same session, issued again with this moment as its sign-in time.
        var session = await SessionAsync();
        await signIn.SignInWithClaimsAsync(account, session.Properties,
            [new Claim("amr", session.Principal?.FindFirstValue("amr") ?? "mfa"), RecentSignIn.Now(clock)]);
        return RedirectToPage();
    }

    /// <summary>The options for navigator.credentials.create, as JSON; the challenge waits in a short-lived cookie.</summary>
    public async Task<IActionResult> OnPostCreationOptionsAsync()
    {
        if (await AccountAsync() is not { } account)
        {
            return JsonError(StatusCodes.Status401Unauthorized, ServerText.T("Your session has ended. Sign in again."));
        }
        if (!await IsRecentAsync())
        {
            return JsonError(StatusCodes.Status403Forbidden, ServerText.T("Enter your password again first: reload this page."));
        }
        if ((await users.GetPasskeysAsync(account)).Count >= MaxPasskeys)
        {
            return JsonError(StatusCodes.Status400BadRequest, ServerText.T("An account can have at most {0} passkeys. Remove one first.", MaxPasskeys));
        }
        var options = await signIn.MakePasskeyCreationOptionsAsync(new PasskeyUserEntity
        {
            Id = account.Id,
            Name = account.Email ?? account.UserName ?? account.Id,
            DisplayName = account.DisplayName,
        });
        return Content(options, "application/json");
    }

    /// <summary>The authenticator's answer (navigator.credentials.create's result, as JSON): checked, then stored.</summary>
    public async Task<IActionResult> OnPostAddAsync()
    {
        if (await AccountAsync() is not { } account)
        {
            return JsonError(StatusCodes.Status401Unauthorized, ServerText.T("Your session has ended. Sign in again."));
        }
        if (!await IsRecentAsync())
        {
            return JsonError(StatusCodes.Status403Forbidden, ServerText.T("Enter your password again first: reload this page."));
        }
        if (string.IsNullOrEmpty(Credential))
        {
            return JsonError(StatusCodes.Status400BadRequest, ServerText.T("No passkey was sent."));
        }
        PasskeyAttestationResult attestation;
        try
        {
            attestation = await signIn.PerformPasskeyAttestationAsync(Credential);
        }
        catch (InvalidOperationException)
        {
            // No ceremony under way in this browser (the 5-minute cookie expired, or another tab used it).
            return JsonError(StatusCodes.Status400BadRequest, ServerText.T("That took too long. Try again."));
        }
        // The ceremony's state names the account it was started for; it must be the one signed in now.
        if (!attestation.Succeeded || attestation.UserEntity.Id != account.Id)
        {
            return JsonError(StatusCodes.Status400BadRequest, ServerText.T("The passkey could not be added. Try again, or with another authenticator."));
        }
        var name = Name.Trim();
        name = name.Length == 0
            ? ServerText.T("Passkey added {0}", ServerText.Date(clock.GetUtcNow(), "d MMMM yyyy"))
            : name[..Math.Min(name.Length, MaxNameLength)];
        attestation.Passkey.Name = name;
        var saved = await users.AddOrUpdatePasskeyAsync(account, attestation.Passkey);
        if (!saved.Succeeded)
        {
            return JsonError(StatusCodes.Status400BadRequest, ServerText.T("The passkey could not be added. Try again."));
        }
        await audit.PasskeyChangedAsync(account, AuditActions.PasskeyAdded, name, HttpContext);
        Message = ServerText.T("Passkey “{0}” added. Next time, you can sign in with it alone.", name);
        return new JsonResult(new { redirect = Url.Page("Passkeys") });
    }

    public async Task<IActionResult> OnPostRemoveAsync()
    {
        if (await AccountAsync() is not { } account)
        {
            return SignInFirst();
        }
        if (!await IsRecentAsync())
        {
            Error = ServerText.T("Enter your password again before removing a passkey.");
            await LoadAsync(account);
            return Page();
        }
        var id = DecodeId(PasskeyId);
        if (id is not null && await users.GetPasskeyAsync(account, id) is { } passkey)
        {
            var removed = await users.RemovePasskeyAsync(account, id);
            if (removed.Succeeded)
            {
                await audit.PasskeyChangedAsync(account, AuditActions.PasskeyRemoved, passkey.Name ?? "", HttpContext);
                Message = ServerText.T("Passkey “{0}” removed.", passkey.Name ?? "");
            }
        }
        return RedirectToPage();
    }

    /// <summary>The person signed in with a browser session (never a bearer token), if their account may still sign in.</summary>
    private async Task<ConsortiumAccount?> AccountAsync() =>
        await SessionAsync() is { Succeeded: true } session && await users.GetUserAsync(session.Principal!) is { Disabled: false } account
            ? account
            : null;

    private Task<AuthenticateResult> SessionAsync() => HttpContext.AuthenticateAsync(IdentityConstants.ApplicationScheme);

    private async Task<bool> IsRecentAsync() => await SessionAsync() is { Succeeded: true } session && recent.IsRecent(session.Principal!);

    private RedirectToPageResult SignInFirst() => RedirectToPage("Login", new { ReturnUrl = Url.Page("Passkeys") });

    private async Task LoadAsync(ConsortiumAccount account)
    {
        Recent = await IsRecentAsync();
        Passkeys = (await users.GetPasskeysAsync(account))
            .OrderBy(p => p.CreatedAt)
            .Select(p => new PasskeyRow(Base64Url.EncodeToString(p.CredentialId), p.Name ?? ServerText.T("Unnamed passkey"), p.CreatedAt))
            .ToList();
    }

    private static byte[]? DecodeId(string id)
    {
        try
        {
            return Base64Url.DecodeFromChars(id);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static JsonResult JsonError(int status, string message) => new(new { error = message }) { StatusCode = status };

    public sealed record PasskeyRow(string Id, string Name, DateTimeOffset CreatedAt);
}
