using System.Text;
using Microsoft.AspNetCore.Http.Features;
using Exports.Shared;

namespace Exports.Host;

/// <summary>
/// Streams a file produced by <c>write</c>, under the <see cref="ExportGate"/>'s rules:
/// <list type="bullet">
/// <item>The first EXPORTS_STREAM_BUFFER_BYTES are produced before any byte is sent. A file that fits is sent whole
/// after <c>write</c> returned (its database connection is back in the pool, and it never takes a streaming slot).
/// A file that does not fit takes a streaming slot first (or already holds one), and is refused with 503 if none is
/// free: nothing has been sent yet, so the refusal is a clean Problem Details answer.</item>
/// <item>Every write to the client must complete within EXPORTS_STREAM_IDLE_SECONDS; a client that stops reading has
/// its connection aborted, which cancels the query and returns the database connection.</item>
/// <item>Headers go out first; if writing fails after that, the connection is aborted so that no client can mistake
/// a truncated body for a complete file.</item>
/// </list>
/// The owner's lease (and the slot, when one is held) is released when the response ends, however it ends.
/// </summary>
public sealed class FileResponse(string fileName, string mediaType, Func<Stream, CancellationToken, Task> write,
    ExportGate gate, IDisposable ownerLease, IDisposable? streamSlot, IEnumerable<KeyValuePair<string, string>>? headers = null) : IResult
{
    public async Task ExecuteAsync(HttpContext ctx)
    {
        var slot = streamSlot;
        try
        {
            ctx.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
            var settings = gate.Settings.Streams;
            var ct = ctx.RequestAborted;
            await using var idle = new IdleAbortStream(ctx.Response.Body, ctx, settings.Idle);
            var sink = new SpillStream(slot is null ? settings.BufferBytes : 0, () =>
            {
                slot ??= gate.TryStream();
                if (slot is null) return null;
                Headers(ctx, null);
                return idle;
            });
            try
            {
                await write(sink, ct);
                if (sink.Refused) { await gate.StreamsRefused(ctx).ExecuteAsync(ctx); return; }
                if (!sink.Spilled)
                {
                    Headers(ctx, sink.Held.Length);
                    await idle.WriteAsync(sink.Held, ct);
                }
                await ctx.Response.CompleteAsync();
            }
            catch (Exception) when (sink.Refused && !ctx.Response.HasStarted)
            {
                await gate.StreamsRefused(ctx).ExecuteAsync(ctx);
            }
            catch (Exports.Formats.ExportDataException e) when (!ctx.Response.HasStarted)
            {
                // Still in the buffer: nothing was sent, so the client gets the reason instead of a broken download.
                ctx.Response.Headers.ContentDisposition = default;
                ctx.Response.ContentLength = null;
                await Problems.Field(e.Field, e.Message).ExecuteAsync(ctx);
            }
            catch (Exception e) when (ctx.Response.HasStarted || ct.IsCancellationRequested)
            {
                var log = ctx.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Exports.Stream");
                if (e is IdleClientException) log.LogWarning("Export {File}: the client read nothing for {Idle}; the connection was aborted", fileName, settings.Idle);
                else if (!ct.IsCancellationRequested) log.LogError(e, "Export {File} failed after streaming began; aborting the response", fileName);
                ctx.Abort();
            }
        }
        finally
        {
            slot?.Dispose();
            ownerLease.Dispose();
        }
    }

    void Headers(HttpContext ctx, long? length)
    {
        ctx.Response.ContentType = mediaType;
        ctx.Response.ContentLength = length;
        ctx.Response.Headers.ContentDisposition = ContentDisposition(fileName);
        ctx.Response.Headers.CacheControl = "no-store";
        ctx.Response.Headers["X-Content-Type-Options"] = "nosniff";
        foreach (var (k, v) in headers ?? []) ctx.Response.Headers[k] = v;
    }

    /// <summary>RFC 6266: an ASCII fallback name and the exact name as UTF-8 in filename*.</summary>
    public static string ContentDisposition(string fileName)
    {
        var ascii = new StringBuilder();
        foreach (var ch in fileName.Normalize(NormalizationForm.FormD))
        {
            if (ch is >= ' ' and < (char)127 && ch is not '"' and not '\\') ascii.Append(ch);
            else if (System.Globalization.CharUnicodeInfo.GetUnicodeCategory(ch) != System.Globalization.UnicodeCategory.NonSpacingMark) ascii.Append('_');
        }
        var encoded = Uri.EscapeDataString(fileName).Replace("'", "%27").Replace("(", "%28").Replace(")", "%29").Replace("*", "%2A");
        return $"attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}";
    }
}

/// <summary>The client did not take a write within the idle time; its connection was aborted.</summary>
public sealed class IdleClientException(TimeSpan idle) : IOException($"The client read nothing for {idle.TotalSeconds:N0} s.");

/// <summary>A response body whose every write must complete within <c>idle</c>, or the HTTP connection is aborted
/// (HttpContext.Abort): a client that stops reading cannot hold the export, and its database connection, forever.</summary>
sealed class IdleAbortStream(Stream inner, HttpContext ctx, TimeSpan idle) : Exports.Shared.WriteOnlyStream
{
    CancellationTokenSource _timer = new();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken ct = default)
    {
        if (!_timer.TryReset()) { _timer.Dispose(); _timer = new CancellationTokenSource(); }
        // Abort rather than only cancel: a write stuck on a full socket returns once the connection is gone.
        await using (_timer.Token.UnsafeRegister(static c => ((HttpContext)c!).Abort(), ctx))
        {
            _timer.CancelAfter(idle);
            try { await inner.WriteAsync(buffer, ct); }
            catch (Exception) when (_timer.IsCancellationRequested) { throw new IdleClientException(idle); }
            _timer.CancelAfter(Timeout.Infinite); // the clock runs only while a write waits for the client
        }
        // Kestrel drops writes to an aborted connection without an error: the timer says what happened.
        if (_timer.IsCancellationRequested) throw new IdleClientException(idle);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken ct) => WriteAsync(buffer.AsMemory(offset, count), ct).AsTask();
    public override Task FlushAsync(CancellationToken ct) => Task.CompletedTask; // Kestrel flushes every write (buffering is off)
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("Synchronous writes would block a thread on a slow client.");
    public override void Flush() { }
    protected override void Dispose(bool disposing) { if (disposing) _timer.Dispose(); base.Dispose(disposing); }
}

/// <summary>Holds the first <c>limit</c> bytes in memory. The write that would pass the limit asks <c>open</c> for
/// the real destination: it gets the held bytes and everything after, or, when <c>open</c> returns null (no slot),
/// the write throws and later writes are dropped, so the producer stops and nothing reaches the client.</summary>
sealed class SpillStream(int limit, Func<Stream?> open) : Exports.Shared.WriteOnlyStream
{
    MemoryStream _held = new();
    Stream? _target;

    public bool Spilled => _target is not null;
    public bool Refused { get; private set; }
    public ReadOnlyMemory<byte> Held => _held.GetBuffer().AsMemory(0, (int)_held.Length);

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken ct = default)
    {
        if (Refused) return;
        if (_target is not null) { await _target.WriteAsync(buffer, ct); return; }
        if (_held.Length + buffer.Length <= limit) { _held.Write(buffer.Span); return; }
        _target = open();
        if (_target is null)
        {
            Refused = true;
            _held = new MemoryStream();
            throw new OperationCanceledException("No streaming slot is free.");
        }
        if (_held.Length > 0) await _target.WriteAsync(Held, ct);
        _held = new MemoryStream();
        await _target.WriteAsync(buffer, ct);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken ct) => WriteAsync(buffer.AsMemory(offset, count), ct).AsTask();
    public override Task FlushAsync(CancellationToken ct) => _target?.FlushAsync(ct) ?? Task.CompletedTask;
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("Synchronous writes would block a thread on a slow client.");
    public override void Flush() { }
}
