using System.Collections.Concurrent;

namespace Consortium.Server.Identity;

/// <summary>
/// Wrong passwords slow down the address they come from, for that account, instead of locking the account: a lockout
/// lets anyone who knows a journalist's email keep them out of their own account on deadline. After
/// <see cref="FreeFailures"/> failures, each further attempt from that address for that email waits twice as long as the
/// one before (2 s, 4 s, ... up to 15 minutes); a success clears it. Keyed by the email as typed, so unknown and known
/// accounts slow down alike. Across all addresses (a botnet), the email alone slows down too, more gently: after
/// <see cref="FreeAccountFailures"/> failures each attempt waits up to <see cref="LongestForAccount"/>, short enough that
/// the journalist still gets in on deadline. Per node and in memory: the rate limits (RateLimits) and the mandatory
/// second factor, which does lock after 5 failures, stand behind it.
/// </summary>
public sealed class SignInBackoff(TimeProvider clock)
{
    private const int FreeFailures = 3;
    private static readonly TimeSpan Longest = TimeSpan.FromMinutes(15);
    private const int MaxEntries = 100_000;
    private const int FreeAccountFailures = 20;
    private static readonly TimeSpan LongestForAccount = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, (int Failures, DateTimeOffset NotBefore)> entries = new(StringComparer.Ordinal);

    private static string Key(string email, string? address) => $"{email.Trim().ToUpperInvariant()} {address}";

    // No address is ever "*": the account-wide entry cannot collide with an address's.
    private static string AccountKey(string email) => Key(email, "*");

    /// <summary>How long this address must wait before trying this email again; null when it may try now.</summary>
    public TimeSpan? WaitFor(string email, string? address)
    {
        var now = clock.GetUtcNow();
        var notBefore = new[] { Key(email, address), AccountKey(email) }
            .Select(key => entries.TryGetValue(key, out var entry) ? entry.NotBefore : now).Max();
        return notBefore > now ? notBefore - now : null;
    }

    public void Failed(string email, string? address)
    {
        Count(Key(email, address), FreeFailures, Longest);
        Count(AccountKey(email), FreeAccountFailures, LongestForAccount);
    }

    private void Count(string counted, int freeFailures, TimeSpan longest)
    {
        if (entries.Count >= MaxEntries)
        {
            var now = clock.GetUtcNow();
            foreach (var (key, entry) in entries)
            {
                if (entry.NotBefore + Longest < now)
                {
                    entries.TryRemove(key, out _);
                }
            }
        }
        entries.AddOrUpdate(counted, _ => (1, clock.GetUtcNow()), (_, entry) =>
        {
            var failures = entry.Failures + 1;
            var wait = failures <= freeFailures ? TimeSpan.Zero : TimeSpan.FromSeconds(Math.Min(longest.TotalSeconds, Math.Pow(2, failures - freeFailures)));
            return (failures, clock.GetUtcNow() + wait);
        });
    }

    public void Succeeded(string email, string? address)
    {
        entries.TryRemove(Key(email, address), out _);
        entries.TryRemove(AccountKey(email), out _);
    }
}
