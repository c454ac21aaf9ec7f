using System.Net;
using Exports.Delivery;

namespace Exports.Tests.Features.Destinations;

/// <summary>Deliveries stay off this machine and private networks unless the operator allows them (SSRF).</summary>
public sealed class NetworkGuardTests
{
    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("::1", true)]
    [InlineData("10.1.2.3", true)]
    [InlineData("172.20.0.1", true)]
    [InlineData("192.168.1.1", true)]
    [InlineData("169.254.169.254", true)] // cloud metadata
    [InlineData("100.64.0.1", true)]
    [InlineData("0.0.0.0", true)]
    [InlineData("fd00::1", true)]
    [InlineData("fe80::1", true)]
    [InlineData("8.8.8.8", false)]
    [InlineData("172.32.0.1", false)]
    [InlineData("2001:4860:4860::8888", false)]
    public void PrivateAddresses_AreRecognised(string address, bool isPrivate) =>
        Assert.Equal(isPrivate, NetworkGuard.IsPrivate(IPAddress.Parse(address)));

    [Fact]
    public async Task LoopbackHosts_AreRefused_UnlessTheOperatorAllowsThem()
    {
        Assert.Contains("EXPORTS_DELIVERY_ALLOW_PRIVATE_NETWORKS", await NetworkGuard.RefusalAsync("localhost", allowPrivate: false, default));
        Assert.NotNull(await NetworkGuard.RefusalAsync("169.254.169.254", allowPrivate: false, default));
        Assert.Null(await NetworkGuard.RefusalAsync("localhost", allowPrivate: true, default));
        Assert.Null(await NetworkGuard.RefusalAsync("8.8.8.8", allowPrivate: false, default));
    }
}
