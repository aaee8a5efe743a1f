using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Consortium.Client;
using Consortium.Server.Identity;
using Consortium.Server.Identity.Pages.Account;
using Consortium.Server.Tests.Platform;

namespace Consortium.Server.Tests.Identity;

/// <summary>
/// The server's own pages in the person's language: the browser's Accept-Language before sign-in, the person's saved
/// preference once known, on any device; Arabic right to left (decision 0033).
/// </summary>
[Collection(IdentityCollection.Name)]
public sealed partial class LanguageTests(ConsortiumServer server) : ServerTest(server)
{
    private HttpClient NewBrowser(string acceptLanguage)
    {
        var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() }) { BaseAddress = Server.BaseAddress };
        browser.DefaultRequestHeaders.AcceptLanguage.ParseAdd(acceptLanguage);
        return browser;
    }

    [Theory]
    [InlineData("ar-EG,ar;q=0.9,en;q=0.5", "ar", "rtl", "تسجيل الدخول")]
    [InlineData("fr-CA,fr;q=0.9", "fr", "ltr", "Mot de passe")]
    [InlineData("es-MX", "es", "ltr", "Contraseña")]
    [InlineData("de-DE,de;q=0.9", "en", "ltr", "Password")]
    public async Task The_sign_in_page_speaks_the_browsers_language(string acceptLanguage, string lang, string dir, string word)
    {
        using var browser = NewBrowser(acceptLanguage);

        var page = await browser.GetStringAsync("account/login");

        Assert.Contains($"<html lang=\"{lang}\" dir=\"{dir}\">", page, StringComparison.Ordinal);
        Assert.Contains(word, page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_password_is_refused_in_the_browsers_language()
    {
        var account = await Server.Accounts.AccountAsync("nadia@alpha");
        using var browser = NewBrowser("ar");

        using var refused = await Server.Accounts.PostPasswordAsync(browser, account.Email, "not the password at all");

        var page = WebUtility.HtmlDecode(await refused.Content.ReadAsStringAsync());
        Assert.Contains(ServerText.In("ar", LoginModel.GenericFailure), page, StringComparison.Ordinal);
        Assert.DoesNotContain(LoginModel.GenericFailure, page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_saved_language_and_zone_follow_the_person_to_another_device_and_its_sign_in_pages()
    {
        var account = await Server.Accounts.AccountAsync("ines@bravo");
        using (var laptop = await Server.Accounts.BrowserSessionAsync("ines@bravo"))
        {
            using var saved = await laptop.PutAsJsonAsync("api/me/preferences", new PreferencesInput("es", "America/Mexico_City"));
            Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
        }

        // Another device whose browser asks for English.
        using var phone = NewBrowser("en-GB,en;q=0.9");
        var afterSignIn = await Server.Accounts.SignInOnPagesAsync(phone, new Uri(Server.BaseAddress, "account/login?ReturnUrl=%2F"), account);
        Assert.Equal("/", afterSignIn.AbsolutePath);

        var me = await phone.GetFromJsonAsync<Me>("api/me");
        Assert.Equal(("es", "America/Mexico_City"), (me!.Language, me.TimeZone));
        var passkeys = await phone.GetStringAsync("account/passkeys");
        Assert.Contains("<html lang=\"es\" dir=\"ltr\">", passkeys, StringComparison.Ordinal);
        Assert.Contains("Llaves de acceso", passkeys, StringComparison.Ordinal);

        // Signed out, this device's sign-in page keeps the person's language (a culture cookie), not the browser's.
        using var signOut = await phone.PostAsync("api/session/sign-out", null);
        var login = await phone.GetStringAsync("account/login");
        Assert.Contains("<html lang=\"es\" dir=\"ltr\">", login, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_language_or_zone_is_refused_naming_the_field()
    {
        using var browser = await Server.Accounts.BrowserSessionAsync("omar@alpha");

        using var refused = await browser.PutAsJsonAsync("api/me/preferences", new PreferencesInput("tlh", "Mars/Olympus_Mons"));

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var problem = await refused.Content.ReadFromJsonAsync<ValidationProblem>();
        Assert.Equal(["language", "timeZone"], problem!.Errors.Keys.Order(StringComparer.Ordinal));
        var me = await browser.GetFromJsonAsync<Me>("api/me");
        Assert.Null(me!.Language);
    }

    private sealed record ValidationProblem(Dictionary<string, string[]> Errors);

    [Fact]
    public async Task Clearing_the_language_lets_the_browser_choose_again()
    {
        using var browser = await Server.Accounts.BrowserSessionAsync("omar@alpha");
        browser.DefaultRequestHeaders.AcceptLanguage.ParseAdd("fr");
        using (await browser.PutAsJsonAsync("api/me/preferences", new PreferencesInput("ar", null)))
        {
            Assert.Contains("dir=\"rtl\"", await browser.GetStringAsync("account/passkeys"), StringComparison.Ordinal);
        }

        using var cleared = await browser.PutAsJsonAsync("api/me/preferences", new PreferencesInput(null, null));

        Assert.Equal(HttpStatusCode.OK, cleared.StatusCode);
        Assert.Contains("<html lang=\"fr\" dir=\"ltr\">", await browser.GetStringAsync("account/passkeys"), StringComparison.Ordinal);
    }

    [Fact]
    public void Every_text_of_the_server_pages_is_in_the_catalog_in_every_language_with_the_same_placeholders()
    {
        var folder = RepositoryFiles.PathOf("src/Consortium.Server/Identity");
        var used = Directory.EnumerateFiles(folder, "*.cs*", SearchOption.AllDirectories)
            .Where(f => !f.EndsWith("ServerTextCatalog.cs", StringComparison.Ordinal))
            .SelectMany(f => TextCall().Matches(File.ReadAllText(f)).Select(m => m.Groups[1].Value.Replace("\\\"", "\"", StringComparison.Ordinal)))
            .Concat([LoginModel.GenericFailure, LoginModel.GenericPasskeyFailure])
            .Distinct()
            .ToList();

        Assert.True(used.Count > 40, $"found only {used.Count} texts: is the pattern still right?");
        var missing = used.Where(text => !ServerText.Has(text)).ToList();
        Assert.True(missing.Count == 0, "Texts of the server pages missing from ServerTextCatalog.cs: " + string.Join(" | ", missing));
        Assert.Empty(ServerTextCatalog.Entries.GroupBy(e => e.En).Where(g => g.Count() > 1).Select(g => g.Key));
        foreach (var entry in ServerTextCatalog.Entries)
        {
            var placeholders = Placeholders(entry.En);
            foreach (var translated in new[] { entry.Fr, entry.Es, entry.Ar })
            {
                Assert.False(string.IsNullOrWhiteSpace(translated), entry.En);
                Assert.Equal(placeholders, Placeholders(translated));
            }
        }
    }

    private static string Placeholders(string text) => string.Join(",", Regex.Matches(text, @"\{\d+\}").Select(m => m.Value).Order(StringComparer.Ordinal));

    // T("..."), Strong("...", ...), ServerText.T("...") and the sign-out page's Html("...").
    [GeneratedRegex(@"(?:\bT|\bStrong|\bHtml)\(\s*""((?:[^""\\]|\\.)*)""")]
    private static partial Regex TextCall();
}
