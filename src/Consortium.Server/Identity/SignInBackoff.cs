using System.Collections.Concurrent;

namespace Consortium.Server.Identity;

/// <summary>
/// Wrong passwords slow down the address they come from, for that account, instead of locking the account: a lockout
/// lets anyone who knows a journalist's email keep them out of their own account on deadline. After
/// <see cref="FreeFailures"/> failures, each further attempt from that address for that email waits twice as long as the
/// one before (2 s, 4 s, ... up to 15 minutes); a success clears it. Keyed by the email as typed, so unknown and known
/// accounts slow down alike. Per node and in memory: the per-address limit (RateLimits) and the mandatory second factor,
/// which does lock after 5 failures, stand behind it.
/// </summary>
public sealed class SignInBackoff(TimeProvider clock)
{
    private const int FreeFailures = 3;
    private static readonly TimeSpan Longest = TimeSpan.FromMinutes(15);
    private const int MaxEntries = 100_000;

    private readonly ConcurrentDictionary<string, (int Failures, DateTimeOffset NotBefore)> entries = new(StringComparer.Ordinal);

    private static string Key(string email, string? address) => $"{email.Trim().ToUpperInvariant()} {address}";

    /// <summary>How long this address must wait before trying this email again; null when it may try now.</summary>
    public TimeSpan? WaitFor(string email, string? address) =>
        entries.TryGetValue(Key(email, address), out var entry) && entry.NotBefore > clock.GetUtcNow() ? entry.NotBefore - clock.GetUtcNow() : null;

    public void Failed(string email, string? address)
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
        entries.AddOrUpdate(Key(email, address), _ => (1, clock.GetUtcNow()), (_, entry) =>
        {
            var failures = entry.Failures + 1;
            var wait = failures <= FreeFailures ? TimeSpan.Zero : TimeSpan.FromSeconds(Math.Min(Longest.TotalSeconds, Math.Pow(2, failures - FreeFailures)));
            return (failures, clock.GetUtcNow() + wait);
        });
    }

    public void Succeeded(string email, string? address) => entries.TryRemove(Key(email, address), out _);
}
