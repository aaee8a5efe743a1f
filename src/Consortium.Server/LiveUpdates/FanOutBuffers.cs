namespace Consortium.Server.LiveUpdates;

/// <summary>
/// Lets .NET's shared array pool keep enough buffers for one push to every connected client (decision 0022).
/// </summary>
/// <remarks>
/// SignalR writes each connection's message into that connection's transport pipe, and the pipe takes a 4 KB buffer
/// from the shared array pool until the socket has sent it. A push to 170 connections therefore holds 170 such buffers
/// at once, but the pool keeps 32 of a size per core (64 here) and drops the rest when they come back, so every push
/// allocated about a hundred new ones: 57% of everything the server allocated at 200 notes a second (45 MB/s), and with
/// it most of its garbage collections. The pool reads its limit once, from an environment variable, when it is first
/// used; setting it here, before anything runs, keeps it in our code instead of in every way of starting the server.
/// An operator's own value wins.
/// </remarks>
public static class FanOutBuffers
{
    public const string Variable = "DOTNET_SYSTEM_BUFFERS_SHAREDARRAYPOOL_MAXARRAYSPERPARTITION";

    /// <summary>Buffers of each size kept per core: a push to about 500 connections on two cores finds them all pooled.</summary>
    public const int PerCore = 256;

    /// <summary>Must be the first thing the process does: the pool reads the setting once, on its first use.</summary>
    public static void Reserve()
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(Variable)))
        {
            Environment.SetEnvironmentVariable(Variable, PerCore.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }
}
