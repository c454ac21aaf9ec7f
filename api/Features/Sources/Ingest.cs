using System.IO.Pipelines;
using Exports.Host;
using Exports.Series;
using Exports.Shared;
using FastEndpoints;
using FluentValidation;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace Exports.Features.Sources;

/// <summary>
/// Ingest of points and records as JSON, NDJSON or CSV. The body is read as a stream (never held whole): each row
/// is validated as it arrives and good rows are copied into a temporary table inside one transaction; one bad row
/// rejects the batch with its path (rows[N].field) and reason, and the transaction is rolled back, so nothing is
/// written. Writes are idempotent on the natural key (series + timestamp for points; the record's id, or a hash of
/// its content, for records). Bodies above EXPORTS_INGEST_MAX_BYTES are a 413, other media types a 415.
/// </summary>
public sealed class Ingest(NpgsqlDataSource db, ExportsSettings settings, ExportGate gate, LiveLog live)
{
    public const int MaxRows = 500_000;

    public async Task<Results<Ok<IngestResult>, ProblemHttpResult>> HandleAsync(Guid owner, string sourceName, string kind, HttpRequest req)
    {
        var ct = req.HttpContext.RequestAborted;
        var format = IngestFormats.Of(req.ContentType);
        if (format is null)
            return Problems.Status(415, "Unsupported Content-Type",
                $"'{req.ContentType}' is not accepted: send application/json, application/x-ndjson or text/csv (UTF-8).");
        var max = settings.IngestMaxBytes;
        if (req.ContentLength > max) return TooLarge(max);
        // Kestrel's own limit (30,000,000 bytes) would cut the body before ours; ours is the one that applies here.
        if (req.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit) limit.MaxRequestBodySize = max;

        var src = await SourceCatalog.LoadAsync(db, owner, sourceName, ct);
        if (src is null) return Problems.NotFound($"No source named '{sourceName}'.");
        if (src.Kind != kind)
            return Problems.Field("source", $"'{sourceName}' is a {src.Kind} source: send {(src.IsTimeseries ? "points" : "records")}.");

        // An ingest holds a database connection while the client uploads, like a streamed export while it downloads:
        // the same per-owner places and node-wide slots bound it, so slow uploads cannot take the pool's reserve.
        using var lease = gate.TryOwner(owner, SyncKind.Ingest);
        if (lease is null) return (ProblemHttpResult)gate.OwnerRefused(SyncKind.Ingest, req.HttpContext);
        using var slot = gate.TryStream();
        if (slot is null) return (ProblemHttpResult)gate.StreamsRefused(req.HttpContext);

        var errors = new IngestErrors();
        var body = new LimitedStream(req.Body, max);
        try
        {
            int written;
            if (src.IsTimeseries)
            {
                var points = new PointsIngest(settings.IngestMaxTagBytes, errors);
                await using var stage = new PointsStage(db, live);
                async Task Flush()
                {
                    if (!errors.Any) await stage.WriteAsync(points.Batch, points.Pending, ct);
                    points.Flushed();
                }
                var rows = await ReadAsync(body, format.Value, "points", true, points.Accept, Flush, errors, ct);
                if (Refused(rows, errors) is { } refused) return refused;
                written = await stage.CommitAsync(src.Id, points.Series, ct);
            }
            else
            {
                var records = new RecordsIngest(src, settings.IngestMaxTagBytes, errors);
                await using var stage = new RecordsStage(db, live);
                async Task Flush()
                {
                    if (!errors.Any) await stage.WriteAsync(records.Batch, records.Pending, records.Arena, ct);
                    records.Flushed();
                }
                var rows = await ReadAsync(body, format.Value, "records", false, records.Accept, Flush, errors, ct);
                if (Refused(rows, errors) is { } refused) return refused;
                written = await stage.CommitAsync(src.Id, async conn =>
                {
                    var merged = src.Schema with { Values = MergeValues(src.Schema.Values, records.Values) };
                    await using var cmd = new NpgsqlCommand("UPDATE sources SET schema = $1::jsonb WHERE id = $2", conn);
                    cmd.Parameters.Add(new() { Value = merged.ToJson() });
                    cmd.Parameters.Add(new() { Value = src.Id });
                    await cmd.ExecuteNonQueryAsync(ct);
                }, ct);
            }
            return TypedResults.Ok(new IngestResult(src.Name, src.Kind, written));
        }
        catch (BodyTooLargeException) { return TooLarge(max); }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge) { return TooLarge(max); }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.NumericValueOutOfRange or PostgresErrorCodes.ProgramLimitExceeded
                                              or PostgresErrorCodes.UntranslatableCharacter or PostgresErrorCodes.CharacterNotInRepertoire
                                              or PostgresErrorCodes.DatetimeFieldOverflow)
        {
            // The checks above are meant to make this unreachable; if PostgreSQL still refuses a value, say so as a 400.
            return Problems.Validation(new Dictionary<string, string[]> { ["body"] = [$"PostgreSQL refused a value of the batch: {e.MessageText}"] },
                "The batch was rejected; nothing was written");
        }
    }

    ProblemHttpResult? Refused(int rows, IngestErrors errors)
    {
        if (rows > MaxRows && !errors.Any) errors.Add("body", $"At most {MaxRows:N0} rows per request; split the batch.");
        if (errors.Any) return Problems.Validation(errors.ToDictionary(), "The batch was rejected; nothing was written");
        if (rows == 0) return Problems.Field("body", "The batch holds no rows.");
        return null;
    }

    static ProblemHttpResult TooLarge(long max) => Problems.Status(413, "The body is too large",
        $"An ingest body is at most {max:N0} bytes (EXPORTS_INGEST_MAX_BYTES); split the batch. Nothing was written.");

    /// <summary>Reads every row of the body through the format's reader into <paramref name="accept"/>, awaiting
    /// <paramref name="flush"/> whenever a batch is full and once at the end. Returns the number of rows read.</summary>
    static async Task<int> ReadAsync(Stream body, IngestFormat format, string arrayName, bool tagObjects, Func<IngestRow, bool> accept,
        Func<Task> flush, IngestErrors errors, CancellationToken ct)
    {
        var row = new IngestRow();
        var count = 0;
        bool Accept(IngestRow r)
        {
            // Past the row limit rows are still read (to find the end) but no longer validated or staged.
            if (++count > MaxRows) return false;
            return accept(r);
        }
        if (format == IngestFormat.Csv)
        {
            var rows = await CsvRowReader.ReadAsync(body, row, errors, Accept, flush, ct);
            await flush();
            return Math.Max(rows, count);
        }
        var json = new JsonRowReader(arrayName, tagObjects, format == IngestFormat.Ndjson, row, errors);
        var pipe = PipeReader.Create(body, new StreamPipeReaderOptions(bufferSize: 64 * 1024, minimumReadSize: 16 * 1024, leaveOpen: true));
        try
        {
            while (true)
            {
                var result = await pipe.ReadAsync(ct);
                var step = json.Read(result.Buffer, result.IsCompleted, Accept, out var consumed);
                if (step == ReadStep.Flush) pipe.AdvanceTo(consumed);
                else pipe.AdvanceTo(consumed, result.Buffer.End);
                if (step == ReadStep.Flush) { await flush(); continue; }
                if (step is ReadStep.Done or ReadStep.Failed) break;
            }
        }
        finally
        {
            await pipe.CompleteAsync();
        }
        await flush();
        return Math.Max(json.Rows, count);
    }

    static Dictionary<string, List<string>> MergeValues(Dictionary<string, List<string>> old, Dictionary<string, HashSet<string>> seen)
    {
        var merged = old.ToDictionary(e => e.Key, e => e.Value.ToList());
        foreach (var (k, set) in seen)
        {
            var list = merged.TryGetValue(k, out var l) ? l : merged[k] = [];
            foreach (var v in set.Order(StringComparer.Ordinal))
                if (list.Count < 1000 && !list.Contains(v)) list.Add(v);
            list.Sort(StringComparer.Ordinal);
        }
        return merged;
    }
}

public sealed record IngestResult(string Source, string Kind, int Accepted);

/// <summary>An ingest request is its route alone: the body is the stream of rows, read by <see cref="Ingest"/> and never
/// bound (see <see cref="IngestRoutes"/>).</summary>
public sealed class IngestRequest
{
    public string Source { get; set; } = "";
}

public sealed class IngestRequestValidator : Validator<IngestRequest>
{
    public IngestRequestValidator() => RuleFor(r => r.Source).NotEmpty().WithMessage("Name the source in the path: /sources/{source}/points or /records.")
        .OverridePropertyName("source");
}

/// <summary>The body of an ingest as the OpenAPI document describes it: any JSON value (a JSON array of rows, or an
/// object holding it under "points" / "records"), or NDJSON or CSV text; never bound, <see cref="Ingest"/> streams it.
/// FastEndpoints' document processor drops a request body whose schema has no fields unless its type is enumerable,
/// so this type is one, and its schema is then reset to "any value": the document keeps the required body it showed
/// before (the bad-input walk sends its whole-body cases there).</summary>
[NJsonSchema.Annotations.JsonSchema(NJsonSchema.JsonObjectType.Object)]
[NJsonSchema.Annotations.JsonSchemaProcessor(typeof(AnyValue))]
public sealed class IngestBody : System.Collections.IEnumerable
{
    public System.Collections.IEnumerator GetEnumerator() => Array.Empty<object>().GetEnumerator();

    /// <summary>Makes the schema "any value" (no type, no fields).</summary>
    public sealed class AnyValue : NJsonSchema.Generation.ISchemaProcessor
    {
        public void Process(NJsonSchema.Generation.SchemaProcessorContext context)
        {
            context.Schema.Type = NJsonSchema.JsonObjectType.None;
            context.Schema.AllowAdditionalProperties = true;
            context.Schema.Description = "A JSON array of rows (or an object holding it under \"points\" / \"records\"), NDJSON, or CSV with a header row.";
        }
    }
}

/// <summary>What the two ingest routes share: the request binds from the route only (FastEndpoints never reads the
/// body), and the route declares the media types it takes, not JSON alone, so the request guard leaves the body to
/// <see cref="Ingest"/> (its own 413 and 415) and routing answers any other media type with the fallback's 415.</summary>
public static class IngestRoutes
{
    public static readonly string[] MediaTypes = ["application/json", "application/x-ndjson", "text/csv"];

    public static IRequestBinder<IngestRequest> Binder { get; } = new RequestBinder<IngestRequest>(BindingSource.RouteValues);

    public static RouteHandlerBuilder Describe(RouteHandlerBuilder d, string summary) =>
        d.ClearDefaultAccepts().Accepts<IngestBody>(MediaTypes[0], MediaTypes[1..])
            .WithTags("Sources").WithSummary(summary)
            .Produces<IngestResult>().ProducesProblem(400).ProducesProblem(404).ProducesProblem(413).ProducesProblem(415).ProducesProblem(429).ProducesProblem(503);
}

public enum IngestFormat { Json, Ndjson, Csv }

public static class IngestFormats
{
    /// <summary>The body's format from its Content-Type (none: JSON); null for anything else, or a charset other than UTF-8.</summary>
    public static IngestFormat? Of(string? contentType)
    {
        if (string.IsNullOrWhiteSpace(contentType)) return IngestFormat.Json;
        if (!Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(contentType, out var media)) return null;
        if (media.Charset.HasValue && !media.Charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase)
                                   && !media.Charset.Equals("utf8", StringComparison.OrdinalIgnoreCase)) return null;
        var type = media.MediaType.Value?.ToLowerInvariant();
        return type switch
        {
            "application/json" or "text/json" => IngestFormat.Json,
            "application/x-ndjson" or "application/ndjson" or "application/jsonl" or "application/x-jsonlines" or "application/jsonlines"
                or "application/x-json-stream" => IngestFormat.Ndjson,
            "text/csv" or "application/csv" or "text/comma-separated-values" => IngestFormat.Csv,
            _ when type?.EndsWith("+json", StringComparison.Ordinal) == true => IngestFormat.Json,
            _ => null,
        };
    }
}

public sealed class BodyTooLargeException() : IOException("The request body is larger than the ingest limit.");

/// <summary>A read-only view of the request body that throws <see cref="BodyTooLargeException"/> past a byte limit,
/// whatever the transport says (chunked bodies have no Content-Length; the test server enforces nothing).</summary>
public sealed class LimitedStream(Stream inner, long max) : Stream
{
    long _read;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
    {
        var n = await inner.ReadAsync(buffer, ct);
        return Count(n);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) =>
        ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

    int Count(int n)
    {
        _read += n;
        if (_read > max) throw new BodyTooLargeException();
        return n;
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _read; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
