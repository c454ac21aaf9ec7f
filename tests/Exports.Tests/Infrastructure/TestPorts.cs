using System.Net;
using System.Net.Sockets;

namespace Exports.Tests.Infrastructure;

public static class TestPorts
{
    /// <summary>A loopback port free at this moment (the OS picks it; another process may take it before it is bound,
    /// so a server that must hold it binds with a retry).</summary>
    public static int Free()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }
}
