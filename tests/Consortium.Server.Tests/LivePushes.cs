using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR.Client;

namespace Consortium.Server.Tests;

/// <summary>Reads a hub connection's annotation pushes (<see cref="IConsortiumClient.AnnotationsPushed"/>), as a client does.</summary>
internal static class LivePushes
{
    /// <summary>Every pushed annotation, item by item in the order received; with <paramref name="addedOnly"/> only new ones.</summary>
    public static ChannelReader<AnnotationView> Items(HubConnection connection, bool addedOnly = false)
    {
        var items = Channel.CreateUnbounded<AnnotationView>();
        connection.On<IReadOnlyList<AnnotationPush>>(nameof(IConsortiumClient.AnnotationsPushed), pushes =>
        {
            foreach (var push in pushes)
            {
                if (push.Added || !addedOnly)
                {
                    items.Writer.TryWrite(push.Annotation);
                }
            }
        });
        return items.Reader;
    }

    /// <summary>Every message, whole, in the order received.</summary>
    public static ChannelReader<IReadOnlyList<AnnotationPush>> Messages(HubConnection connection)
    {
        var messages = Channel.CreateUnbounded<IReadOnlyList<AnnotationPush>>();
        connection.On<IReadOnlyList<AnnotationPush>>(nameof(IConsortiumClient.AnnotationsPushed), pushes => messages.Writer.TryWrite(pushes));
        return messages.Reader;
    }
}
