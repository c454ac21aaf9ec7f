using System.Security.Cryptography;
using System.Text.Json;
using Exports.Delivery;
using Exports.Host;
using Exports.Jobs;
using Exports.Storage;

namespace Exports.Tests.Infrastructure;

/// <summary>Calls one delivery channel directly, against the real peers the tests run, with settings the shared
/// API host does not have (STARTTLS on, private networks refused) and with sources that fail or cancel on cue.</summary>
public static class ChannelKit
{
    public static ExportsSettings Settings(bool allowPrivate = true) =>
        new() { ConnectionString = "Host=unused", DeliveryAllowPrivateNetworks = allowPrivate };

    public static Destination Destination(string kind, object config, Dictionary<string, string>? secrets = null) =>
        new(Guid.NewGuid(), Guid.NewGuid(), kind + " test", kind, JsonSerializer.SerializeToElement(config), secrets ?? []);

    public static JobRecord Job(string fileName, byte[] bytes) => new()
    {
        Id = Guid.NewGuid(), Kind = "series", Format = "csv", Title = "Channel test", Status = "completed", FileName = fileName,
        MediaType = "text/csv; charset=utf-8", SizeBytes = bytes.Length, RowCount = 1,
        Checksum = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes)), ExpiresAt = DateTimeOffset.UtcNow.AddDays(1),
    };

    public static DeliveryContext Context(JobRecord job, Destination d, Func<Stream> source) =>
        new(job, d, Guid.NewGuid(), "https://exports.example/download?token=t",
            _ => Task.FromResult<ArtifactRead?>(new ArtifactRead(source(), job.SizeBytes ?? 0, job.SizeBytes ?? 0)), DateTimeOffset.UtcNow);

    public static byte[] Bytes(int count)
    {
        var b = new byte[count];
        new Random(count).NextBytes(b);
        return b;
    }
}

/// <summary>A source of <paramref name="bytes"/> that runs <paramref name="then"/> once after the first
/// <paramref name="good"/> bytes: it throws (a failing source) or cancels a token (the upload goes on until the
/// reader notices).</summary>
public sealed class FailingStream(byte[] bytes, int good, Action then) : Stream
{
    int _position;
    bool _fired;
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => bytes.Length;
    public override long Position { get => _position; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override int Read(byte[] buffer, int offset, int count)
    {
        if (_position >= good && !_fired)
        {
            _fired = true;
            then();
        }
        var n = Math.Min(count, (_fired ? bytes.Length : good) - _position);
        Array.Copy(bytes, _position, buffer, offset, n);
        _position += n;
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) => Task.FromResult(Read(buffer, offset, count));
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
    {
        var tmp = new byte[buffer.Length];
        var n = Read(tmp, 0, tmp.Length);
        tmp.AsSpan(0, n).CopyTo(buffer.Span);
        return ValueTask.FromResult(n);
    }
}
