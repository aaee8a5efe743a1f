namespace Consortium.Client;

/// <summary>
/// The signed-in caller, with the language (en, fr, es, ar) and IANA time zone they chose; null where they chose none
/// (the browser's then applies).
/// </summary>
public sealed record Me(string User, string DisplayName, string OutletId, string OutletName, bool OutletAdmin = false, string? Language = null, string? TimeZone = null);

/// <summary>A person's language (en, fr, es, ar) and IANA time zone; null clears one.</summary>
public sealed record PreferencesInput(string? Language, string? TimeZone);

/// <summary>An account of the caller's outlet, as its administrators see it.</summary>
public sealed record AccountView(string Id, string Email, string DisplayName, bool OutletAdmin, bool TwoFactorEnabled, bool Disabled, bool LockedOut);

/// <summary>Request to invite a colleague: an account is created and a one-time link lets them choose a password.</summary>
public sealed record NewAccount(string Email, string DisplayName, bool OutletAdmin = false);

/// <summary>A new account and its one-time invitation link (shown once; it stops working when used).</summary>
public sealed record Invitation(AccountView Account, string InvitationUrl);

/// <summary>A partner's sync client: a program of the outlet that signs in with client credentials.</summary>
public sealed record SyncClientView(string ClientId, string DisplayName);

/// <summary>Request to register a sync client for the caller's outlet.</summary>
public sealed record NewSyncClient(string DisplayName);

/// <summary>A new sync client's credentials. The secret is shown once and stored only as a hash.</summary>
public sealed record SyncClientCredentials(string ClientId, string ClientSecret, string DisplayName);
