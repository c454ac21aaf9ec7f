namespace Exports.Formats.Excel;

/// <summary>
/// A write-only stream that keeps what is written in memory until the caller drains it asynchronously into the
/// real output. ZipArchive writes synchronously; this lets it sit on top of an HTTP response (which refuses
/// synchronous writes) while memory stays bounded by how often the writer drains.
/// </summary>
public sealed class PendingBytes : Stream
{
    readonly Parquet.ByteBuffer _buf = new(1 << 17);
    long _position;

    public int Pending => _buf.Length;

    public async ValueTask DrainAsync(Stream output, CancellationToken ct)
    {
        if (_buf.Length == 0) return;
        await output.WriteAsync(_buf.Memory, ct);
        _buf.Clear();
    }

    public override void Write(ReadOnlySpan<byte> buffer) { _buf.Bytes(buffer); _position += buffer.Length; }
    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));
    public override void WriteByte(byte value) { _buf.Byte(value); _position++; }
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken ct = default) { Write(buffer.Span); return ValueTask.CompletedTask; }
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken ct) { Write(buffer.AsSpan(offset, count)); return Task.CompletedTask; }
    public override void Flush() { }
    public override Task FlushAsync(CancellationToken ct) => Task.CompletedTask;
    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _position; set => throw new NotSupportedException(); }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) _buf.Dispose();
        base.Dispose(disposing);
    }
}
