using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Exports.Tests.Infrastructure;

/// <summary>A real SMTP server of its own (tests/readers/smtp-capture.mjs over npm smtp-server) in a fresh folder:
/// plain, or offering STARTTLS with a self-signed certificate made here (<see cref="CertificateSha256"/> is what a
/// client pins). Each accepted message is an .eml with a .session.json saying whether it came over TLS.</summary>
public sealed class SmtpCapture : IDisposable
{
    readonly Process _process;
    public string Dir { get; } = Directory.CreateTempSubdirectory("exports-smtp-").FullName;
    public int Port { get; }
    /// <summary>Lower-case hex SHA-256 of the certificate's DER bytes; null for a plain server.</summary>
    public string? CertificateSha256 { get; }

    public SmtpCapture(bool startTls)
    {
        var args = new List<string> { Path.Combine(NodeReaders.Root, "tests", "readers", "smtp-capture.mjs") };
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        Port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        args.Add(Port.ToString());
        args.Add(Path.Combine(Dir, "mail"));
        if (startTls)
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
            var san = new SubjectAlternativeNameBuilder();
            san.AddDnsName("localhost");
            san.AddIpAddress(IPAddress.Loopback);
            request.CertificateExtensions.Add(san.Build());
            using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
            File.WriteAllText(Path.Combine(Dir, "key.pem"), key.ExportPkcs8PrivateKeyPem());
            File.WriteAllText(Path.Combine(Dir, "cert.pem"), cert.ExportCertificatePem());
            CertificateSha256 = Convert.ToHexStringLower(SHA256.HashData(cert.RawData));
            args.Add(Path.Combine(Dir, "key.pem"));
            args.Add(Path.Combine(Dir, "cert.pem"));
        }
        var psi = new ProcessStartInfo("node") { WorkingDirectory = NodeReaders.Root, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        _process = Process.Start(psi)!;
        if (_process.StandardOutput.ReadLine() != "listening")
            throw new InvalidOperationException($"The test SMTP server did not start: {_process.StandardError.ReadToEnd()}");
    }

    public string MailDir => Path.Combine(Dir, "mail");
    public string[] Messages() => Directory.GetFiles(MailDir).Where(f => f.EndsWith(".eml", StringComparison.Ordinal)).Order().ToArray();

    public void Dispose()
    {
        try { _process.Kill(entireProcessTree: true); _process.WaitForExit(5000); } catch (InvalidOperationException) { }
        _process.Dispose();
        try { Directory.Delete(Dir, true); } catch (IOException) { }
    }
}
