using Microsoft.AspNetCore.SignalR.Client;

namespace Consortium.Client;

/// <summary>
/// Who is looking at each record a hub connection joined, kept from the server's presence messages: the whole list
/// the connection gets on joining a record (<see cref="IConsortiumClient.PresenceChanged"/>), then the arrivals and
/// departures that follow it (<see cref="IConsortiumClient.ViewerArrived"/>, <see cref="IConsortiumClient.ViewerLeft"/>).
/// Register before starting the connection; join records with <see cref="HubMethods.JoinRecord"/> as usual (again after
/// a reconnect on a new connection, which sends a fresh list).
/// </summary>
public sealed class LivePresence : IDisposable
{
    private readonly Dictionary<Guid, List<PresenceEntry>> byRecord = [];
    private readonly IDisposable[] handlers;

    /// <summary>Registers the presence handlers on <paramref name="connection"/> (before it starts).</summary>
    public LivePresence(HubConnection connection)
    {
        handlers =
        [
            connection.On<PresenceView>(nameof(IConsortiumClient.PresenceChanged), list => Apply(list.RecordId, _ => [.. list.Viewers])),
            connection.On<PresenceChange>(nameof(IConsortiumClient.ViewerArrived), arrived => Apply(arrived.RecordId, viewers =>
            {
                viewers.RemoveAll(v => v.UserId == arrived.UserId);
                viewers.Add(arrived.ToEntry());
                viewers.Sort((a, b) => string.CompareOrdinal(a.DisplayName, b.DisplayName));
                return viewers;
            })),
            connection.On<PresenceChange>(nameof(IConsortiumClient.ViewerLeft), left => Apply(left.RecordId, viewers =>
            {
                viewers.RemoveAll(v => v.UserId == left.UserId);
                return viewers;
            })),
        ];
    }

    /// <summary>Raised with a record's whole list after every presence message about it.</summary>
    public event Action<PresenceView>? Changed;

    /// <summary>Who is looking at <paramref name="recordId"/> now, as far as this connection knows (empty before joining it).</summary>
    public PresenceView Of(Guid recordId)
    {
        lock (byRecord)
        {
            return new(recordId, byRecord.TryGetValue(recordId, out var viewers) ? [.. viewers] : []);
        }
    }

    private void Apply(Guid recordId, Func<List<PresenceEntry>, List<PresenceEntry>> change)
    {
        PresenceView now;
        lock (byRecord)
        {
            var viewers = change(byRecord.TryGetValue(recordId, out var held) ? held : []);
            byRecord[recordId] = viewers;
            now = new(recordId, [.. viewers]);
        }
        Changed?.Invoke(now);
    }

    /// <summary>Removes the handlers.</summary>
    public void Dispose()
    {
        foreach (var handler in handlers)
        {
            handler.Dispose();
        }
    }
}
