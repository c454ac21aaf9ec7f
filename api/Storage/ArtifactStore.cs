using System.Text.RegularExpressions;

namespace Exports.Storage;

/// <summary>Where finished export files live: the local filesystem or an S3-compatible bucket. Writes are atomic
/// (a reader never sees a partial artifact): an upload becomes visible only on <see cref="IArtifactUpload.CommitAsync"/>,
/// and disposing an upload that was not committed removes what it wrote.</summary>
public interface IArtifactStore
{
    string Name { get; }
    Task<IArtifactUpload> BeginAsync(string key, string mediaType, CancellationToken ct);
    /// <summary>The artifact's bytes from <paramref name="from"/> to <paramref name="to"/> (inclusive; null: the
    /// end), or null when there is no such artifact.</summary>
    Task<ArtifactRead?> OpenAsync(string key, long from, long? to, CancellationToken ct);
    Task DeleteAsync(string key, CancellationToken ct);

    /// <summary>Makes <paramref name="to"/> an artifact of its own with the bytes of <paramref name="from"/> (the
    /// result cache: a job answered from another's file gets its own, so deleting or expiring either never breaks the
    /// other). False when <paramref name="from"/> is gone. By default a streamed copy through an atomic upload; the
    /// stores do it cheaper (a hard link, a server-side copy).</summary>
    Task<bool> CopyAsync(string from, string to, string mediaType, CancellationToken ct) => ArtifactCopy.StreamAsync(this, from, to, mediaType, ct);
}

public static class ArtifactCopy
{
    public static async Task<bool> StreamAsync(IArtifactStore store, string from, string to, string mediaType, CancellationToken ct)
    {
        await using var read = await store.OpenAsync(from, 0, null, ct);
        if (read is null) return false;
        await using var upload = await store.BeginAsync(to, mediaType, ct);
        await read.Body.CopyToAsync(upload.Stream, ct);
        await upload.CommitAsync(ct);
        return true;
    }
}

public interface IArtifactUpload : IAsyncDisposable
{
    Stream Stream { get; }
    Task CommitAsync(CancellationToken ct);
}

public sealed record ArtifactRead(Stream Body, long Length, long TotalLength) : IAsyncDisposable
{
    public ValueTask DisposeAsync() => Body.DisposeAsync();
}

public static partial class ArtifactKeys
{
    /// <summary>Keys are generated, never taken from input: owner/job/file, with the file name already sanitized.</summary>
    public static string For(Guid owner, Guid job, string fileName) => $"{owner:N}/{job:N}/{fileName}";

    [GeneratedRegex(@"^[0-9a-f]{32}/[0-9a-f]{32}/[^/\\\x00-\x1f]+$")]
    private static partial Regex Shape();

    public static bool IsValid(string key) => Shape().IsMatch(key) && !key.Contains("..", StringComparison.Ordinal);

    public static void Check(string key)
    {
        if (!IsValid(key)) throw new ArgumentException($"Not an artifact key: '{key}'.", nameof(key));
    }
}

/// <summary>Files under one folder: each upload writes <c>name.&lt;random&gt;.partial</c> of its own and renames it into
/// place, so two runs of one export (one of them taken for dead) never write into the same file. A commit removes the
/// partial files other runs left (a node that died mid-write), and so does deleting the artifact.</summary>
public sealed class LocalArtifactStore(string root) : IArtifactStore
{
    public string Name => "local";
    public string Root => root;

    string PathOf(string key)
    {
        ArtifactKeys.Check(key);
        var full = Path.GetFullPath(Path.Combine(root, key));
        if (!full.StartsWith(Path.GetFullPath(root) + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            throw new ArgumentException("Artifact key escapes the store.", nameof(key));
        return full;
    }

    public Task<IArtifactUpload> BeginAsync(string key, string mediaType, CancellationToken ct)
    {
        var path = PathOf(key);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var partial = $"{path}.{Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(6))}.partial";
        var stream = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
        return Task.FromResult<IArtifactUpload>(new Upload(stream, partial, path));
    }

    sealed class Upload(FileStream stream, string partial, string path) : IArtifactUpload
    {
        bool _committed;
        public Stream Stream => stream;

        public async Task CommitAsync(CancellationToken ct)
        {
            await stream.FlushAsync(ct);
            stream.Flush(flushToDisk: true);
            await stream.DisposeAsync();
            File.Move(partial, path, overwrite: true);
            _committed = true;
            RemovePartials(path);
        }

        public async ValueTask DisposeAsync()
        {
            await stream.DisposeAsync();
            if (_committed) return;
            File.Delete(partial);
            RemoveIfEmpty(Path.GetDirectoryName(partial)!); // a cancelled or failed job leaves no folder behind
        }
    }

    public Task<ArtifactRead?> OpenAsync(string key, long from, long? to, CancellationToken ct)
    {
        var path = PathOf(key);
        if (!File.Exists(path)) return Task.FromResult<ArtifactRead?>(null);
        var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
        var total = fs.Length;
        var last = Math.Min(to ?? total - 1, total - 1);
        fs.Position = Math.Min(from, total);
        return Task.FromResult<ArtifactRead?>(new ArtifactRead(new LimitedStream(fs, Math.Max(0, last - from + 1)), Math.Max(0, last - from + 1), total));
    }

    /// <summary>A hard link (the same bytes on disk, counted once; deleting one name leaves the other), or a copy
    /// where the file system has none, written under a partial name and renamed into place like an upload.</summary>
    public async Task<bool> CopyAsync(string from, string to, string mediaType, CancellationToken ct)
    {
        var source = PathOf(from);
        var target = PathOf(to);
        if (!File.Exists(source)) return false;
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        var partial = $"{target}.{Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(6))}.partial";
        try
        {
            if (!OperatingSystem.IsWindows() && HardLink.Link(source, partial) == 0) { }
            else
            {
                try
                {
                    await using var src = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
                    await using var dst = new FileStream(partial, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
                    await src.CopyToAsync(dst, ct);
                    dst.Flush(flushToDisk: true);
                }
                catch (FileNotFoundException) { return false; } // deleted meanwhile
            }
            File.Move(partial, target, overwrite: true);
            return true;
        }
        finally
        {
            try { File.Delete(partial); } catch (IOException) { }
        }
    }

    public Task DeleteAsync(string key, CancellationToken ct)
    {
        if (!ArtifactKeys.IsValid(key)) return Task.CompletedTask; // nothing was ever stored under such a key
        var path = PathOf(key);
        // Its folder may be gone already (retention removed an expired file and its empty folder): nothing to delete.
        try { File.Delete(path); } catch (DirectoryNotFoundException) { }
        RemovePartials(path);
        RemoveIfEmpty(Path.GetDirectoryName(path)!);
        return Task.CompletedTask;
    }

    /// <summary>Partial files of the artifact at <paramref name="path"/> (its own <c>.partial</c> from before
    /// per-upload names, and every upload's).</summary>
    static void RemovePartials(string path)
    {
        var dir = Path.GetDirectoryName(path)!;
        if (!Directory.Exists(dir)) return;
        foreach (var f in Directory.EnumerateFiles(dir, Path.GetFileName(path) + ".*"))
            if (f.EndsWith(".partial", StringComparison.Ordinal))
                try { File.Delete(f); } catch (IOException) { }
    }

    static void RemoveIfEmpty(string dir)
    {
        try { if (Directory.Exists(dir) && !Directory.EnumerateFileSystemEntries(dir).Any()) Directory.Delete(dir); }
        catch (IOException) { } // another attempt is writing into it again
    }
}

/// <summary>A read-only view of the next <c>length</c> bytes of a stream.</summary>
public sealed class LimitedStream(Stream inner, long length) : Stream
{
    long _left = length;
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => length;
    public override long Position { get => length - _left; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
    public override int Read(Span<byte> buffer)
    {
        if (_left <= 0) return 0;
        var n = inner.Read(buffer[..(int)Math.Min(buffer.Length, _left)]);
        _left -= n;
        return n;
    }
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
    {
        if (_left <= 0) return 0;
        var n = await inner.ReadAsync(buffer[..(int)Math.Min(buffer.Length, _left)], ct);
        _left -= n;
        return n;
    }
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) => ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    protected override void Dispose(bool disposing) { if (disposing) inner.Dispose(); base.Dispose(disposing); }
    public override ValueTask DisposeAsync() => inner.DisposeAsync();
}

/// <summary>link(2): a second name for a file.</summary>
static partial class HardLink
{
    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "link", StringMarshalling = System.Runtime.InteropServices.StringMarshalling.Utf8, SetLastError = true)]
    internal static partial int Link(string existing, string created);
}
