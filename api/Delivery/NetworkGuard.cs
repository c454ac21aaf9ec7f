using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Exports.Delivery;

/// <summary>A delivery refused because its host is not on the public internet (SSRF guard); never retried.</summary>
public sealed class NetworkRefusedException(string message) : Exception(message);

/// <summary>Keeps deliveries off this machine and private networks (SSRF): a destination host that is, or resolves
/// to, anything but a public unicast address (loopback, private, CGNAT, link-local and cloud metadata, multicast,
/// broadcast, reserved, documentation and benchmarking ranges, IPv6 unique-local and link-local, and IPv4 addresses
/// hidden in IPv6: mapped, compatible, NAT64, 6to4) is refused when it is saved, before each delivery, and again
/// when the connection is made: the address connected to is the address checked, so a DNS answer that changes
/// between check and connect (rebinding) gains nothing. An operator can allow private networks
/// (EXPORTS_DELIVERY_ALLOW_PRIVATE_NETWORKS).</summary>
public static class NetworkGuard
{
    public const string Setting = "EXPORTS_DELIVERY_ALLOW_PRIVATE_NETWORKS";

    public static string Refusal(string host) =>
        $"{host} is not a public address (loopback, private, link-local, multicast or reserved); deliveries go to public hosts (an operator can allow private networks with {Setting}).";

    /// <summary>Longest DNS name (RFC 1035: 253 characters written out); a longer host cannot be looked up.</summary>
    public const int MaxHostLength = 253;

    /// <summary>The refusal of a host name longer than DNS allows, or null.</summary>
    public static string? TooLong(string? host) =>
        host is { Length: > MaxHostLength } ? $"The host name has {host.Length} characters; DNS allows at most {MaxHostLength}." : null;

    /// <summary>Why the host is refused, or null. A host that does not resolve (a DNS answer of no such name) is not
    /// refused here: the delivery fails on its own; a name the resolver will not look up at all (too long, malformed)
    /// is refused with the reason.</summary>
    public static async Task<string?> RefusalAsync(string? host, bool allowPrivate, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(host)) return null;
        if (TooLong(host) is { } tooLong) return tooLong;
        if (allowPrivate) return null;
        try { await ResolveAsync(host, allowPrivate, ct); return null; }
        catch (NetworkRefusedException e) { return e.Message; }
        catch (SocketException) { return null; }
        catch (Exception e) when (e is not OperationCanceledException) { return $"{host} cannot be looked up: {e.Message}"; }
    }

    /// <summary>Resolves the host once and checks every address; throws <see cref="NetworkRefusedException"/> when
    /// any of them is not public (unless allowed). Connect to what this returns, not to the name.</summary>
    public static async Task<IPAddress[]> ResolveAsync(string host, bool allowPrivate, CancellationToken ct)
    {
        var addresses = IPAddress.TryParse(host.Trim('[', ']'), out var ip) ? [ip] : await Dns.GetHostAddressesAsync(host, ct);
        if (addresses.Length == 0) throw new SocketException((int)SocketError.HostNotFound);
        if (!allowPrivate && addresses.Any(IsPrivate)) throw new NetworkRefusedException(Refusal(host));
        return addresses;
    }

    /// <summary>A TCP connection to the host through <see cref="ResolveAsync"/>: each checked address in turn.</summary>
    public static async Task<Socket> ConnectAsync(string host, int port, bool allowPrivate, CancellationToken ct)
    {
        var addresses = await ResolveAsync(host, allowPrivate, ct);
        SocketException? last = null;
        foreach (var address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, port), ct);
                return socket;
            }
            catch (SocketException e) { socket.Dispose(); last = e; }
            catch { socket.Dispose(); throw; }
        }
        throw last!;
    }

    /// <summary>An HTTP handler (webhooks, S3) whose every connection goes through <see cref="ConnectAsync"/>;
    /// no redirects are followed.</summary>
    public static SocketsHttpHandler Handler(bool allowPrivate) => new()
    {
        AllowAutoRedirect = false,
        ConnectTimeout = TimeSpan.FromSeconds(15),
        ConnectCallback = async (ctx, ct) =>
            new NetworkStream(await ConnectAsync(ctx.DnsEndPoint.Host, ctx.DnsEndPoint.Port, allowPrivate, ct), ownsSocket: true),
    };

    /// <summary>The refusal inside an exception chain (HttpClient and the AWS SDK wrap what the connect callback throws).</summary>
    public static NetworkRefusedException? RefusalIn(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
            if (e is NetworkRefusedException r) return r;
        return null;
    }

    // IPv4 ranges that are not public unicast (RFC 6890 and friends).
    static readonly (uint Net, int Bits)[] V4NotPublic =
    [
        (0x00000000, 8),  // 0.0.0.0/8 "this network"
        (0x0A000000, 8),  // 10.0.0.0/8 private
        (0x64400000, 10), // 100.64.0.0/10 carrier-grade NAT
        (0x7F000000, 8),  // 127.0.0.0/8 loopback
        (0xA9FE0000, 16), // 169.254.0.0/16 link-local, cloud metadata
        (0xAC100000, 12), // 172.16.0.0/12 private
        (0xC0000000, 24), // 192.0.0.0/24 IETF protocol assignments
        (0xC0000200, 24), // 192.0.2.0/24 documentation
        (0xC0586300, 24), // 192.88.99.0/24 6to4 relay anycast
        (0xC0A80000, 16), // 192.168.0.0/16 private
        (0xC6120000, 15), // 198.18.0.0/15 benchmarking
        (0xC6336400, 24), // 198.51.100.0/24 documentation
        (0xCB007100, 24), // 203.0.113.0/24 documentation
        (0xE0000000, 4),  // 224.0.0.0/4 multicast
        (0xF0000000, 4),  // 240.0.0.0/4 reserved, and 255.255.255.255 broadcast
    ];

    /// <summary>True for every address that is not public unicast.</summary>
    public static bool IsPrivate(IPAddress a)
    {
        if (a.AddressFamily == AddressFamily.InterNetwork) return IsPrivateV4(a.GetAddressBytes());
        if (a.AddressFamily != AddressFamily.InterNetworkV6) return true;
        var b = a.GetAddressBytes();
        var first96Zero = b.AsSpan(0, 10).IndexOfAnyExcept((byte)0) < 0;
        if (first96Zero && b[10] == 0xff && b[11] == 0xff) return IsPrivateV4(b.AsSpan(12)); // ::ffff:a.b.c.d (mapped)
        if (first96Zero && b[10] == 0 && b[11] == 0) return true;                              // ::, ::1, ::a.b.c.d (compatible, deprecated)
        if (b.AsSpan(0, 12).SequenceEqual(Nat64)) return IsPrivateV4(b.AsSpan(12));          // 64:ff9b::/96 NAT64: the IPv4 it reaches
        if (b[0] == 0x20 && b[1] == 0x02) return IsPrivateV4(b.AsSpan(2, 4));                // 2002::/16 6to4: the IPv4 it embeds
        if ((b[0] & 0xe0) != 0x20) return true; // outside 2000::/3 global unicast: ULA fc00::/7, link-local fe80::/10, site-local, multicast ff00::/8, 64:ff9b:1::/48 …
        if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x00 && b[3] == 0x00) return true;       // 2001::/32 Teredo (hides an IPv4)
        if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) return true;       // 2001:db8::/32 documentation
        return false;
    }

    static readonly byte[] Nat64 = [0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0];

    static bool IsPrivateV4(ReadOnlySpan<byte> bytes)
    {
        var v = BinaryPrimitives.ReadUInt32BigEndian(bytes);
        foreach (var (net, bits) in V4NotPublic)
            if ((v & (uint.MaxValue << (32 - bits))) == net) return true;
        return false;
    }

    public static string? HostOf(Destination d) => d.Kind switch
    {
        "webhook" => Uri.TryCreate(d.Get("url"), UriKind.Absolute, out var u) ? u.Host : null,
        "s3" => d.Get("endpoint") is { } e && Uri.TryCreate(e, UriKind.Absolute, out var s) ? s.Host : null,
        "sftp" => d.Get("host"),
        _ => null,
    };
}
