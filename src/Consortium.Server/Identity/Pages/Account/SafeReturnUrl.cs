using Microsoft.AspNetCore.Mvc;

namespace Consortium.Server.Identity.Pages.Account;

/// <summary>Only paths on this server are followed after sign-in: an open redirect would hand phishers a trusted link.</summary>
public static class SafeReturnUrl
{
    public static string Of(string? returnUrl, IUrlHelper url) => !string.IsNullOrEmpty(returnUrl) && url.IsLocalUrl(returnUrl) ? returnUrl : "/";
}
