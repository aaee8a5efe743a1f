using Microsoft.AspNetCore.Identity;

namespace Consortium.Server.Identity;

/// <summary>A person's account. Every account belongs to exactly one outlet.</summary>
public sealed class ConsortiumAccount : IdentityUser
{
    public string OutletId { get; set; } = "";

    public string DisplayName { get; set; } = "";

    /// <summary>Outlet administrators invite and disable their colleagues' accounts and register their outlet's sync clients.</summary>
    public bool OutletAdmin { get; set; }

    /// <summary>A disabled account cannot sign in, and its sessions, tokens and live connections are cut at once.</summary>
    public bool Disabled { get; set; }
}
