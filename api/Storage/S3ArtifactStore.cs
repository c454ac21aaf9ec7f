using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

namespace Exports.Storage;

/// <summary>An S3-compatible bucket. An artifact is streamed as a multipart upload (8 MiB parts) that becomes an
/// object only when completed; a small one is a single PUT at commit. Aborting deletes the uploaded parts.
/// Every upload sets <c>UseChunkEncoding = false</c>: S3-compatible servers such as s3rver store the SDK's
/// aws-chunked framing inside the object otherwise. The service's own store creates its bucket on first use; a
/// store over someone else's endpoint (<c>createBucket: false</c>) assumes the bucket exists.</summary>
public sealed class S3ArtifactStore : IArtifactStore, IDisposable
{
    const int PartSize = 8 * 1024 * 1024;
    readonly AmazonS3Client _s3;
    readonly string _bucket, _prefix;
    readonly SemaphoreSlim _bucketReady = new(1, 1);
    bool _bucketChecked;

    public S3ArtifactStore(string? endpoint, string bucket, string prefix, string? region, string accessKey, string secretKey, bool pathStyle,
        bool createBucket = true, HttpClientFactory? http = null)
    {
        var config = new AmazonS3Config { ForcePathStyle = pathStyle };
        if (http is not null) config.HttpClientFactory = http;
        _bucketChecked = !createBucket;
        if (endpoint is not null)
        {
            config.ServiceURL = endpoint;
            config.AuthenticationRegion = region ?? "us-east-1";
        }
        else if (region is not null) config.RegionEndpoint = Amazon.RegionEndpoint.GetBySystemName(region);
        config.RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED;
        config.ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED;
        _s3 = new AmazonS3Client(new BasicAWSCredentials(accessKey, secretKey), config);
        _bucket = bucket;
        _prefix = prefix.Length == 0 ? "" : prefix + "/";
    }

    public string Name => "s3";

    string ObjectKey(string key)
    {
        ArtifactKeys.Check(key);
        return _prefix + key;
    }

    async Task EnsureBucketAsync(CancellationToken ct)
    {
        if (_bucketChecked) return;
        await _bucketReady.WaitAsync(ct);
        try
        {
            if (_bucketChecked) return;
            try { await _s3.PutBucketAsync(new PutBucketRequest { BucketName = _bucket }, ct); }
            catch (AmazonS3Exception e) when (e.ErrorCode is "BucketAlreadyOwnedByYou" or "BucketAlreadyExists") { }
            _bucketChecked = true;
        }
        finally { _bucketReady.Release(); }
    }

    public async Task<IArtifactUpload> BeginAsync(string key, string mediaType, CancellationToken ct)
    {
        await EnsureBucketAsync(ct);
        return new Upload(this, ObjectKey(key), mediaType);
    }

    sealed class Upload(S3ArtifactStore store, string key, string mediaType) : Stream, IArtifactUpload
    {
        byte[] _buffer = new byte[PartSize];
        int _filled;
        string? _uploadId;
        readonly List<PartETag> _parts = [];
        bool _done;
        long _written;

        public Stream Stream => this;
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => _written;
        public override long Position { get => _written; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override Task FlushAsync(CancellationToken ct) => Task.CompletedTask;
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) =>
            WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken ct) =>
            WriteAsync(buffer.AsMemory(offset, count), ct).AsTask();

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken ct = default)
        {
            while (data.Length > 0)
            {
                var n = Math.Min(data.Length, PartSize - _filled);
                data.Span[..n].CopyTo(_buffer.AsSpan(_filled));
                _filled += n;
                _written += n;
                data = data[n..];
                if (_filled == PartSize) await SendPartAsync(ct);
            }
        }

        async Task SendPartAsync(CancellationToken ct)
        {
            _uploadId ??= (await store._s3.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest
            {
                BucketName = store._bucket, Key = key, ContentType = mediaType,
            }, ct)).UploadId;
            var number = _parts.Count + 1;
            using var body = new MemoryStream(_buffer, 0, _filled, writable: false);
            var r = await store._s3.UploadPartAsync(new UploadPartRequest
            {
                BucketName = store._bucket, Key = key, UploadId = _uploadId, PartNumber = number,
                InputStream = body, PartSize = _filled, UseChunkEncoding = false,
            }, ct);
            _parts.Add(new PartETag(number, r.ETag));
            _filled = 0;
        }

        public async Task CommitAsync(CancellationToken ct)
        {
            if (_uploadId is null)
            {
                using var body = new MemoryStream(_buffer, 0, _filled, writable: false);
                await store._s3.PutObjectAsync(new PutObjectRequest
                {
                    BucketName = store._bucket, Key = key, InputStream = body, ContentType = mediaType,
                    UseChunkEncoding = false, AutoCloseStream = false,
                }, ct);
            }
            else
            {
                if (_filled > 0) await SendPartAsync(ct);
                await store._s3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
                {
                    BucketName = store._bucket, Key = key, UploadId = _uploadId, PartETags = _parts,
                }, ct);
            }
            _done = true;
        }

        public override async ValueTask DisposeAsync()
        {
            if (!_done && _uploadId is not null)
            {
                try
                {
                    await store._s3.AbortMultipartUploadAsync(new AbortMultipartUploadRequest
                    {
                        BucketName = store._bucket, Key = key, UploadId = _uploadId,
                    });
                }
                catch (AmazonServiceException) { /* the parts expire with the bucket's lifecycle rules */ }
            }
            _done = true;
            _buffer = [];
            await base.DisposeAsync();
        }
    }

    /// <summary>Copies a stream to an object under this store's prefix (delivery to a user's bucket): multipart for
    /// large files, atomic like every upload here. Returns the object key.</summary>
    public async Task<string> PutAsync(string name, Stream source, string mediaType, CancellationToken ct)
    {
        if (name.Length == 0 || name.Contains("..", StringComparison.Ordinal) || name.Any(char.IsControl))
            throw new ArgumentException($"Not an object name: '{name}'.", nameof(name));
        await EnsureBucketAsync(ct);
        var key = _prefix + name.TrimStart('/');
        await using var upload = new Upload(this, key, mediaType);
        await source.CopyToAsync(upload, 1 << 16, ct);
        await upload.CommitAsync(ct);
        return key;
    }

    public async Task<ArtifactRead?> OpenAsync(string key, long from, long? to, CancellationToken ct)
    {
        try
        {
            var head = await _s3.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = _bucket, Key = ObjectKey(key) }, ct);
            var total = head.ContentLength;
            var last = Math.Min(to ?? total - 1, total - 1);
            if (total == 0 || from > last) return new ArtifactRead(Stream.Null, 0, total);
            var r = await _s3.GetObjectAsync(new GetObjectRequest
            {
                BucketName = _bucket, Key = ObjectKey(key), ByteRange = new ByteRange(from, last),
            }, ct);
            return new ArtifactRead(new LimitedStream(r.ResponseStream, last - from + 1), last - from + 1, total);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == System.Net.HttpStatusCode.NotFound) { return null; }
    }

    public async Task DeleteAsync(string key, CancellationToken ct)
    {
        if (!ArtifactKeys.IsValid(key)) return; // nothing was ever stored under such a key
        await _s3.DeleteObjectAsync(new DeleteObjectRequest { BucketName = _bucket, Key = ObjectKey(key) }, ct);
    }

    /// <summary>A server-side copy (no bytes through this node); an object past what one copy request takes (5 GiB)
    /// is copied through an upload instead.</summary>
    public async Task<bool> CopyAsync(string from, string to, string mediaType, CancellationToken ct)
    {
        const long MaxSingleCopy = 5L * 1024 * 1024 * 1024;
        long length;
        try { length = (await _s3.GetObjectMetadataAsync(_bucket, ObjectKey(from), ct)).ContentLength; }
        catch (AmazonS3Exception e) when (e.StatusCode == System.Net.HttpStatusCode.NotFound) { return false; }
        if (length <= MaxSingleCopy)
            try
            {
                await _s3.CopyObjectAsync(new CopyObjectRequest
                {
                    SourceBucket = _bucket, SourceKey = ObjectKey(from), DestinationBucket = _bucket, DestinationKey = ObjectKey(to),
                }, ct);
                return true;
            }
            // An S3-compatible server whose CopyObject fails (s3rver answers 404 "bucket does not exist" to the SDK's
            // copy), or a source deleted meanwhile: copy through an upload (which finds a deleted source gone: false).
            catch (AmazonS3Exception e) when (e.StatusCode is System.Net.HttpStatusCode.NotFound or System.Net.HttpStatusCode.NotImplemented or System.Net.HttpStatusCode.BadRequest) { }
        return await ArtifactCopy.StreamAsync(this, from, to, mediaType, ct);
    }

    public void Dispose() => _s3.Dispose();
}
