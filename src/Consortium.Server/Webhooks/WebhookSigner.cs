using StandardWebhooks;

namespace Consortium.Server.Webhooks;

/// <summary>
/// Signs a delivery with the endpoint's secret, and during a rotation's overlap with the previous one too: the
/// specification lets <c>webhook-signature</c> carry several space-separated signatures, and a receiver accepts the
/// message when any one verifies, so partners can switch secrets without losing a delivery.
/// </summary>
public sealed class WebhookSigner(WebhookSecrets secrets)
{
    public string Sign(WebhookEndpointRow endpoint, string eventId, DateTimeOffset timestamp, string body, DateTimeOffset now)
    {
        var signature = new StandardWebhook(secrets.Unprotect(endpoint.ProtectedSecret)).Sign(eventId, timestamp, body);
        if (endpoint.ProtectedPreviousSecret is { } previous && endpoint.PreviousUntil is { } until && until > now)
        {
            signature += " " + new StandardWebhook(secrets.Unprotect(previous)).Sign(eventId, timestamp, body);
        }
        return signature;
    }
}
