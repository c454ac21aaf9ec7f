using System.Security.Cryptography;
using Exports.Storage;
using Exports.Tests.Infrastructure;

namespace Exports.Tests.Storage;

/// <summary>Both artifact stores against real backends (a folder, s3rver): atomic commit, abort leaves nothing,
/// ranged reads, delete; bytes compared by SHA-256.</summary>
public sealed class ArtifactStoreTests(S3Server s3) : IClassFixture<S3Server>
{
    static readonly string Key = ArtifactKeys.For(Guid.NewGuid(), Guid.NewGuid(), "report 2026.csv");

    IArtifactStore[] Stores() =>
    [
        new LocalArtifactStore(Directory.CreateTempSubdirectory("exports-store-").FullName),
        new S3ArtifactStore(s3.Endpoint, "tests-" + Guid.NewGuid().ToString("N")[..8], "pre/fix", null, S3Server.AccessKey, S3Server.SecretKey, pathStyle: true),
    ];

    static async Task<byte[]> ReadAllAsync(ArtifactRead r)
    {
        var ms = new MemoryStream();
        await r.Body.CopyToAsync(ms);
        return ms.ToArray();
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1_000)]
    [InlineData(20 * 1024 * 1024 + 123)] // three multipart parts on S3
    public async Task CommittedUpload_ReadsBackByteForByte_AndInRanges(int size)
    {
        var data = RandomNumberGenerator.GetBytes(size);
        foreach (var store in Stores())
        {
            var key = ArtifactKeys.For(Guid.NewGuid(), Guid.NewGuid(), "data.bin");
            await using (var up = await store.BeginAsync(key, "application/octet-stream", default))
            {
                for (var at = 0; at < size; at += 70_000)
                    await up.Stream.WriteAsync(data.AsMemory(at, Math.Min(70_000, size - at)));
                Assert.Null(await store.OpenAsync(key, 0, null, default)); // nothing visible before the commit
                await up.CommitAsync(default);
            }
            await using (var all = await store.OpenAsync(key, 0, null, default))
            {
                Assert.NotNull(all);
                Assert.Equal(size, all!.TotalLength);
                Assert.Equal(SHA256.HashData(data), SHA256.HashData(await ReadAllAsync(all)));
            }
            if (size > 10)
            {
                await using var part = await store.OpenAsync(key, 5, 9, default);
                Assert.Equal(data[5..10], await ReadAllAsync(part!));
                await using var tail = await store.OpenAsync(key, size - 3, null, default);
                Assert.Equal(data[^3..], await ReadAllAsync(tail!));
            }
            await store.DeleteAsync(key, default);
            Assert.Null(await store.OpenAsync(key, 0, null, default));
        }
    }

    [Fact]
    public async Task UploadDisposedWithoutCommit_LeavesNoArtifact()
    {
        var data = RandomNumberGenerator.GetBytes(9 * 1024 * 1024); // one S3 part uploaded before the abort
        foreach (var store in Stores())
        {
            await using (var up = await store.BeginAsync(Key, "text/csv", default))
                await up.Stream.WriteAsync(data);
            Assert.Null(await store.OpenAsync(Key, 0, null, default));
            if (store is LocalArtifactStore local)
                Assert.Empty(Directory.EnumerateFiles(local.Root, "*", SearchOption.AllDirectories));
        }
    }

    /// <summary>Two runs of one export (one of them taken for dead) write apart; the one that commits puts its own
    /// bytes in place and clears the other's partial file, and the other, disposed, takes nothing with it.</summary>
    [Fact]
    public async Task TwoUploadsOfOneKey_WriteApart_AndTheCommitClearsTheOther()
    {
        var store = new LocalArtifactStore(Directory.CreateTempSubdirectory("exports-store-").FullName);
        var (mine, theirs) = (RandomNumberGenerator.GetBytes(100_000), RandomNumberGenerator.GetBytes(70_000));
        var loser = await store.BeginAsync(Key, "text/csv", default);
        await loser.Stream.WriteAsync(theirs);
        await loser.Stream.FlushAsync();
        await using (var winner = await store.BeginAsync(Key, "text/csv", default))
        {
            await winner.Stream.WriteAsync(mine);
            Assert.Equal(2, Directory.EnumerateFiles(store.Root, "*.partial", SearchOption.AllDirectories).Count());
            await winner.CommitAsync(default);
        }
        Assert.Empty(Directory.EnumerateFiles(store.Root, "*.partial", SearchOption.AllDirectories));
        await loser.Stream.WriteAsync(theirs); // still writing into a file no longer there: nothing it does shows
        await loser.DisposeAsync();
        await using var read = await store.OpenAsync(Key, 0, null, default);
        Assert.Equal(SHA256.HashData(mine), SHA256.HashData(await ReadAllAsync(read!)));
        Assert.Single(Directory.EnumerateFiles(store.Root, "*", SearchOption.AllDirectories));
    }

    [Theory]
    [InlineData("../../etc/passwd")]
    [InlineData("0123/../x")]
    [InlineData("")]
    public void KeysNotMadeByTheService_AreRefused(string key)
    {
        var store = new LocalArtifactStore(Path.GetTempPath());
        Assert.ThrowsAsync<ArgumentException>(() => store.BeginAsync(key, "text/csv", default)).GetAwaiter().GetResult();
    }

    /// <summary>The result cache gives a hit job its own artifact: the same bytes under its own key (a hard link on the
    /// local store, a server-side copy on S3), which outlives the deletion of the one it came from; a copy of an
    /// artifact that is gone is refused (false), leaving nothing.</summary>
    [Fact]
    public async Task Copy_IsAnArtifactOfItsOwn_ThatOutlivesItsSource()
    {
        var data = RandomNumberGenerator.GetBytes(300_000);
        foreach (var store in Stores())
        {
            var (from, to) = (ArtifactKeys.For(Guid.NewGuid(), Guid.NewGuid(), "a.csv"), ArtifactKeys.For(Guid.NewGuid(), Guid.NewGuid(), "b.csv"));
            await using (var up = await store.BeginAsync(from, "text/csv", default))
            {
                await up.Stream.WriteAsync(data);
                await up.CommitAsync(default);
            }
            Assert.True(await store.CopyAsync(from, to, "text/csv", default), store.Name);
            await store.DeleteAsync(from, default);
            Assert.Null(await store.OpenAsync(from, 0, null, default));
            await using (var copy = await store.OpenAsync(to, 0, null, default))
                Assert.Equal(SHA256.HashData(data), SHA256.HashData(await ReadAllAsync(copy!)));
            var gone = ArtifactKeys.For(Guid.NewGuid(), Guid.NewGuid(), "c.csv");
            Assert.False(await store.CopyAsync(from, gone, "text/csv", default), store.Name);
            Assert.Null(await store.OpenAsync(gone, 0, null, default));
            if (store is LocalArtifactStore local)
                Assert.Empty(Directory.EnumerateFiles(local.Root, "*.partial", SearchOption.AllDirectories));
        }
    }
}
