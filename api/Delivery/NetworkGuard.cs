using System.Net;
using System.Net.Sockets;

namespace Exports.Delivery;

/// <summary>Keeps deliveries off this machine and private networks (SSRF): a destination host that is, or resolves
/// to, a loopback, private, link-local (cloud metadata) or unspecified address is refused, when it is saved and
/// again before each delivery. An operator can allow private networks (EXPORTS_DELIVERY_ALLOW_PRIVATE_NETWORKS).</summary>
public static class NetworkGuard
{
    public static async Task<string?> RefusalAsync(string? host, bool allowPrivate, CancellationToken ct)
    {
        if (allowPrivate || string.IsNullOrEmpty(host)) return null;
        IPAddress[] addresses;
        if (IPAddress.TryParse(host.Trim('[', ']'), out var ip)) addresses = [ip];
        else
        {
            try { addresses = await Dns.GetHostAddressesAsync(host, ct); }
            catch (SocketException) { return null; } // unresolvable: the delivery fails on its own
        }
        return addresses.Any(IsPrivate)
            ? $"{host} is a loopback, private or link-local address; deliveries go to public hosts (an operator can allow private networks with EXPORTS_DELIVERY_ALLOW_PRIVATE_NETWORKS)."
            : null;
    }

    public static bool IsPrivate(IPAddress a)
    {
        if (a.IsIPv4MappedToIPv6) a = a.MapToIPv4();
        if (IPAddress.IsLoopback(a) || a.Equals(IPAddress.Any) || a.Equals(IPAddress.IPv6Any)) return true;
        if (a.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = a.GetAddressBytes();
            return b[0] is 0 or 10 || (b[0] == 172 && b[1] is >= 16 and <= 31) || (b[0] == 192 && b[1] == 168)
                || (b[0] == 169 && b[1] == 254) || (b[0] == 100 && b[1] is >= 64 and <= 127);
        }
        return a.IsIPv6LinkLocal || a.IsIPv6SiteLocal || a.IsIPv6UniqueLocal;
    }

    public static string? HostOf(Destination d) => d.Kind switch
    {
        "webhook" => Uri.TryCreate(d.Get("url"), UriKind.Absolute, out var u) ? u.Host : null,
        "s3" => d.Get("endpoint") is { } e && Uri.TryCreate(e, UriKind.Absolute, out var s) ? s.Host : null,
        "sftp" => d.Get("host"),
        _ => null,
    };
}
