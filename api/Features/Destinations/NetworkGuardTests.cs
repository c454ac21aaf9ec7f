using System.Net;
using System.Net.Sockets;
using Exports.Delivery;

namespace Exports.Tests.Features.Destinations;

/// <summary>Deliveries stay off this machine and private networks unless the operator allows them (SSRF): every
/// address class that is not public unicast is refused, including IPv4 hidden in IPv6, and the address is checked
/// again when the connection is made.</summary>
public sealed class NetworkGuardTests
{
    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("127.255.0.9", true)]
    [InlineData("::1", true)]
    [InlineData("10.1.2.3", true)]
    [InlineData("172.20.0.1", true)]
    [InlineData("192.168.1.1", true)]
    [InlineData("169.254.169.254", true)] // cloud metadata
    [InlineData("100.64.0.1", true)]      // CGNAT 100.64.0.0/10
    [InlineData("100.127.255.254", true)]
    [InlineData("0.0.0.0", true)]
    [InlineData("0.1.2.3", true)]         // 0.0.0.0/8
    [InlineData("198.18.0.1", true)]      // benchmarking 198.18.0.0/15
    [InlineData("198.19.255.255", true)]
    [InlineData("224.0.0.1", true)]       // multicast 224.0.0.0/4
    [InlineData("239.255.255.250", true)]
    [InlineData("255.255.255.255", true)] // broadcast
    [InlineData("240.0.0.1", true)]       // reserved
    [InlineData("192.0.0.8", true)]       // IETF protocol assignments
    [InlineData("192.0.2.1", true)]       // documentation
    [InlineData("203.0.113.7", true)]
    [InlineData("fd00::1", true)]         // unique local fc00::/7
    [InlineData("fc00::1", true)]
    [InlineData("fe80::1", true)]         // link-local
    [InlineData("fec0::1", true)]         // site-local
    [InlineData("ff02::1", true)]         // multicast
    [InlineData("::", true)]
    [InlineData("::ffff:127.0.0.1", true)] // IPv4-mapped
    [InlineData("::ffff:10.0.0.1", true)]
    [InlineData("::ffff:169.254.169.254", true)]
    [InlineData("::127.0.0.1", true)]      // IPv4-compatible (deprecated)
    [InlineData("::8.8.8.8", true)]
    [InlineData("64:ff9b::127.0.0.1", true)] // NAT64 to loopback
    [InlineData("64:ff9b::a9fe:a9fe", true)] // NAT64 to 169.254.169.254
    [InlineData("64:ff9b:1::1", true)]       // local-use NAT64
    [InlineData("2002:7f00:1::1", true)]     // 6to4 around 127.0.0.1
    [InlineData("2001:0:4136:e378::1", true)] // Teredo
    [InlineData("2001:db8::1", true)]        // documentation
    [InlineData("8.8.8.8", false)]
    [InlineData("1.1.1.1", false)]
    [InlineData("172.32.0.1", false)]
    [InlineData("100.128.0.1", false)]
    [InlineData("198.20.0.1", false)]
    [InlineData("223.255.255.254", false)]
    [InlineData("2001:4860:4860::8888", false)]
    [InlineData("::ffff:8.8.8.8", false)]     // mapped public IPv4
    [InlineData("64:ff9b::808:808", false)]   // NAT64 to 8.8.8.8
    [InlineData("2002:808:808::1", false)]    // 6to4 around 8.8.8.8
    public void AddressClasses_AreRecognised(string address, bool isPrivate) =>
        Assert.Equal(isPrivate, NetworkGuard.IsPrivate(IPAddress.Parse(address)));

    [Fact]
    public async Task LoopbackHosts_AreRefused_UnlessTheOperatorAllowsThem()
    {
        Assert.Contains("EXPORTS_DELIVERY_ALLOW_PRIVATE_NETWORKS", await NetworkGuard.RefusalAsync("localhost", allowPrivate: false, default));
        Assert.NotNull(await NetworkGuard.RefusalAsync("169.254.169.254", allowPrivate: false, default));
        Assert.NotNull(await NetworkGuard.RefusalAsync("[::ffff:127.0.0.1]", allowPrivate: false, default));
        Assert.Null(await NetworkGuard.RefusalAsync("localhost", allowPrivate: true, default));
        Assert.Null(await NetworkGuard.RefusalAsync("8.8.8.8", allowPrivate: false, default));
    }

    /// <summary>The check that counts is the one made when connecting (a name can resolve to a public address when
    /// saved and to loopback when delivered): the webhook and S3 handler refuses the connection itself, and the
    /// listener never sees a request.</summary>
    [Fact]
    public async Task HttpHandler_ChecksTheAddressWhenConnecting()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        try
        {
            using var guarded = new HttpClient(NetworkGuard.Handler(allowPrivate: false));
            var e = await Assert.ThrowsAsync<HttpRequestException>(() => guarded.GetAsync($"http://localhost:{port}/hook"));
            Assert.Contains("not a public address", NetworkGuard.RefusalIn(e)!.Message);
            Assert.False(listener.Pending()); // no connection was made
            // Allowed, the same handler connects (so the refusal above is the guard, not a dead port).
            using var open = new HttpClient(NetworkGuard.Handler(allowPrivate: true)) { Timeout = TimeSpan.FromSeconds(10) };
            var request = open.GetAsync($"http://localhost:{port}/hook");
            using var accepted = await listener.AcceptTcpClientAsync().WaitAsync(TimeSpan.FromSeconds(10));
            await accepted.GetStream().WriteAsync("HTTP/1.1 204 No Content\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"u8.ToArray());
            Assert.Equal(HttpStatusCode.NoContent, (await request).StatusCode);
        }
        finally { listener.Stop(); }
    }

    [Fact]
    public async Task Connect_GoesToTheCheckedAddress_OrIsRefused()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        try
        {
            await Assert.ThrowsAsync<NetworkRefusedException>(() => NetworkGuard.ConnectAsync("127.0.0.1", port, allowPrivate: false, default));
            await Assert.ThrowsAsync<NetworkRefusedException>(() => NetworkGuard.ConnectAsync("::ffff:127.0.0.1", port, allowPrivate: false, default));
            Assert.False(listener.Pending());
            using var socket = await NetworkGuard.ConnectAsync("127.0.0.1", port, allowPrivate: true, default);
            Assert.Equal(IPAddress.Loopback, ((IPEndPoint)socket.RemoteEndPoint!).Address);
        }
        finally { listener.Stop(); }
    }
}
