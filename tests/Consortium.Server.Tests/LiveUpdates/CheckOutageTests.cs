using Consortium.Server.LiveUpdates;

namespace Consortium.Server.Tests.LiveUpdates;

/// <summary>
/// The session sweeper's fail-closed rule (a database outage cannot be simulated cheaply against the shared server):
/// sockets stay through a short blip of failed checks and are all closed once the checks fail for longer than 10 s.
/// </summary>
public sealed class CheckOutageTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 7, 6, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Failed_checks_within_the_grace_keep_the_sockets_and_a_success_starts_the_grace_again()
    {
        var outage = new CheckOutage(Start);

        Assert.False(outage.Failed(Start.AddSeconds(2)));
        Assert.False(outage.Failed(Start.AddSeconds(10)));
        outage.Succeeded(Start.AddSeconds(12));
        Assert.False(outage.Failed(Start.AddSeconds(20)));
    }

    [Fact]
    public void Checks_failing_for_longer_than_the_grace_close_every_socket()
    {
        var outage = new CheckOutage(Start);
        outage.Succeeded(Start.AddSeconds(2));

        Assert.False(outage.Failed(Start.AddSeconds(4)));
        Assert.True(outage.Failed(Start.AddSeconds(13)));
        Assert.True(outage.Failed(Start.AddSeconds(15)));
    }
}
