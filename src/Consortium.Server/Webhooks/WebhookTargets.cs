using System.Net;
using System.Net.Sockets;

namespace Consortium.Server.Webhooks;

/// <summary>
/// Where a delivery may go (docs/security.md, "Webhooks and SSRF"). A URL is checked when registered and its host's
/// addresses again at every connection: the delivering handler resolves the name itself, keeps only allowed addresses
/// and connects to one of those, so a name that resolved to a public address at registration and to 127.0.0.1 or the
/// cloud metadata address later (DNS rebinding) is never reached. No proxy, no redirects.
/// </summary>
public sealed class WebhookTargets(WebhookOptions options)
{
    /// <summary>Null when <paramref name="url"/> may be registered; otherwise why not.</summary>
    public string? Refusal(string? url)
    {
        if (string.IsNullOrWhiteSpace(url) || url.Length > 2000 || !Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            return "An absolute URL of at most 2000 characters is required.";
        }
        if (uri.Scheme != Uri.UriSchemeHttps && !(uri.Scheme == Uri.UriSchemeHttp && options.AllowHttp))
        {
            return options.AllowHttp ? "Only http and https URLs can receive webhooks." : "Webhook URLs must use https.";
        }
        if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            return "Credentials in the URL are not accepted; use the signature to authenticate deliveries.";
        }
        if (!string.IsNullOrEmpty(uri.Fragment))
        {
            return "A webhook URL has no fragment.";
        }
        if (IPAddress.TryParse(uri.IdnHost.Trim('[', ']'), out var unusable) && IsUnusable(unusable))
        {
            return "Link-local, metadata, multicast and IPv4-embedding addresses cannot receive webhooks.";
        }
        if (!options.AllowPrivateNetworks)
        {
            if (uri.IsLoopback || uri.Host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase) || uri.Host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
            {
                return "Loopback addresses cannot receive webhooks on this server.";
            }
            if (IPAddress.TryParse(uri.IdnHost.Trim('[', ']'), out var literal) && !IsPublic(literal))
            {
                return "Private, loopback and link-local addresses cannot receive webhooks on this server.";
            }
        }
        return null;
    }

    /// <summary>Whether a delivery may connect to <paramref name="address"/> under the current settings.</summary>
    public bool MayConnect(IPAddress address) =>
        !IsUnusable(address) && (options.AllowPrivateNetworks || IsPublic(address));

    /// <summary>
    /// Resolves <paramref name="host"/> now and connects to the first allowed address; throws when none is. This is
    /// the handler's ConnectCallback, so the checked address is the connected one.
    /// </summary>
    public async ValueTask<Stream> ConnectAsync(string host, int port, CancellationToken cancellationToken)
    {
        var addresses = IPAddress.TryParse(host.Trim('[', ']'), out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, cancellationToken);
        var allowed = addresses.Select(a => a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a).Where(MayConnect).ToList();
        if (allowed.Count == 0)
        {
            throw new WebhookTargetRefusedException($"{host} resolves to no address this server may deliver to");
        }
        Exception? last = null;
        foreach (var address in allowed)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, port), cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException e)
            {
                socket.Dispose();
                last = e;
            }
        }
        throw last!;
    }

    /// <summary>
    /// Never a target, whatever the settings (<c>Webhooks:AllowPrivateNetworks</c> opens private networks and loopback
    /// for tests and on-premises receivers, never these): "any", multicast, broadcast; link-local, where cloud metadata
    /// services answer (169.254.0.0/16, fe80::/10, AWS's fd00:ec2::254); and the IPv6 forms that carry an IPv4 address
    /// past the IPv4 checks: IPv4-compatible ::/96, NAT64 64:ff9b::/96 and 64:ff9b:1::/48, 6to4 2002::/16, Teredo 2001::/32.
    /// </summary>
    private static bool IsUnusable(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        if (address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any) || address.Equals(IPAddress.Broadcast) || address.IsIPv6Multicast)
        {
            return true;
        }
        var b = address.GetAddressBytes();
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            return b[0] is >= 224 || (b[0] == 169 && b[1] == 254);
        }
        if (address.IsIPv6LinkLocal || address.Equals(AwsMetadata))
        {
            return true;
        }
        var ipv4Compatible = b.AsSpan(0, 12).IndexOfAnyExcept((byte)0) < 0 && !address.Equals(IPAddress.IPv6Loopback);
        var nat64 = b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b;
        var sixToFour = b[0] == 0x20 && b[1] == 0x02;
        var teredo = b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x00 && b[3] == 0x00;
        return ipv4Compatible || nat64 || sixToFour || teredo;
    }

    private static readonly IPAddress AwsMetadata = IPAddress.Parse("fd00:ec2::254");

    /// <summary>Globally routable unicast: not loopback, private (RFC 1918, ULA), link-local, shared (CGNAT), documentation or reserved.</summary>
    public static bool IsPublic(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        if (IPAddress.IsLoopback(address) || IsUnusable(address))
        {
            return false;
        }
        var b = address.GetAddressBytes();
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            return !(b[0] == 0 || b[0] == 10 || b[0] == 127
                || (b[0] == 100 && b[1] >= 64 && b[1] <= 127)
                || (b[0] == 169 && b[1] == 254)
                || (b[0] == 172 && b[1] >= 16 && b[1] <= 31)
                || (b[0] == 192 && b[1] == 0 && b[2] == 0)
                || (b[0] == 192 && b[1] == 0 && b[2] == 2)
                || (b[0] == 192 && b[1] == 168)
                || (b[0] == 198 && (b[1] == 18 || b[1] == 19))
                || (b[0] == 198 && b[1] == 51 && b[2] == 100)
                || (b[0] == 203 && b[1] == 0 && b[2] == 113)
                || b[0] >= 240);
        }
        if (address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6UniqueLocal || address.IsIPv4MappedToIPv6)
        {
            return false;
        }
        // 64:ff9b::/96 (NAT64) would reach IPv4 addresses unchecked; 2001:db8::/32 is documentation.
        return !((b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b) || (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8));
    }
}

/// <summary>A delivery refused before connecting: its host resolves only to addresses the settings forbid.</summary>
public sealed class WebhookTargetRefusedException(string message) : Exception(message);
