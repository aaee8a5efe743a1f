using System.Net;
using System.Text.RegularExpressions;
using Consortium.Server.Identity;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Consortium.Server.Tests.Identity;

/// <summary>The second factor as an attacker who saw one code, or who guesses recovery codes, meets it.</summary>
[Collection(IdentityCollection.Name)]
public sealed partial class SecondFactorTests(ConsortiumServer server) : ServerTest(server)
{
    private HttpClient NewBrowser() =>
        new(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() }) { BaseAddress = Server.BaseAddress };

    /// <summary>The password step; returns the browser at the second-factor page.</summary>
    private async Task<HttpClient> PastThePasswordAsync(TestAccount account)
    {
        var browser = NewBrowser();
        using var toSecondFactor = await Server.Accounts.PostPasswordAsync(browser, account.Email, TestAccounts.Password);
        Assert.Equal(HttpStatusCode.Redirect, toSecondFactor.StatusCode);
        return browser;
    }

    private static async Task<HttpResponseMessage> SubmitSecondFactorAsync(HttpClient browser, string code)
    {
        var form = await browser.GetStringAsync("account/two-factor");
        return await browser.PostAsync("account/two-factor", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Code"] = code,
            ["__RequestVerificationToken"] = WebUtility.HtmlDecode(Antiforgery().Match(form).Groups[1].Value),
        }));
    }

    private static bool SignedIn(HttpResponseMessage response) => response.StatusCode == HttpStatusCode.Redirect;

    [Fact]
    public async Task An_authenticator_code_that_opened_one_session_cannot_open_a_second()
    {
        var account = await Server.Accounts.AccountAsync("tom@bravo");
        using var victim = await PastThePasswordAsync(account);
        using var attacker = await PastThePasswordAsync(account);
        var code = TestAccounts.TotpCode(account);

        using var first = await SubmitSecondFactorAsync(victim, code);
        using var replayed = await SubmitSecondFactorAsync(attacker, code);

        Assert.True(SignedIn(first));
        Assert.False(SignedIn(replayed));
        Assert.Contains("That code is not valid", await replayed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, (await attacker.GetAsync("api/me")).StatusCode);
    }

    [Fact]
    public async Task Wrong_recovery_codes_lock_the_account_like_wrong_authenticator_codes()
    {
        var account = await Server.Accounts.AccountAsync("marie@alpha");
        using var attacker = await PastThePasswordAsync(account);
        for (var attempt = 0; attempt < 5; attempt++)
        {
            using var wrong = await SubmitSecondFactorAsync(attacker, $"WRONG-GUES{attempt}");
            Assert.False(SignedIn(wrong));
        }

        // Locked: now even the right code from the right person fails.
        using var person = NewBrowser();
        using var afterLockout = await Server.Accounts.PostPasswordAsync(person, account.Email, TestAccounts.Password);
        Assert.Equal(HttpStatusCode.OK, afterLockout.StatusCode);
        Assert.Contains("do not match an account that can sign in now", await afterLockout.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Recovery_codes_are_not_in_the_database_in_the_clear_and_each_works_once()
    {
        var account = await Server.Accounts.AccountAsync("lena@lab");
        IReadOnlyList<string> codes;
        await using (var scope = Server.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<ConsortiumAccount>>();
            codes = [.. (await users.GenerateNewTwoFactorRecoveryCodesAsync((await users.FindByIdAsync(account.Id))!, 10))!];
        }
        await using (var connection = new NpgsqlConnection(Server.ConnectionString))
        {
            await connection.OpenAsync();
            await using var read = new NpgsqlCommand("""select string_agg("Value", ' ') from identity."AspNetUserTokens" where "UserId" = $1""", connection) { Parameters = { new() { Value = account.Id } } };
            var stored = (string)(await read.ExecuteScalarAsync())!;
            Assert.All(codes, code => Assert.DoesNotContain(code, stored, StringComparison.Ordinal));
        }

        using var first = await PastThePasswordAsync(account);
        using var firstUse = await SubmitSecondFactorAsync(first, codes[3]);
        using var second = await PastThePasswordAsync(account);
        using var secondUse = await SubmitSecondFactorAsync(second, codes[3]);

        Assert.True(SignedIn(firstUse));
        Assert.False(SignedIn(secondUse));
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex Antiforgery();
}
