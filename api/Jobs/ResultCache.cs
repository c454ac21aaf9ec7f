using System.Buffers;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Exports.Host;
using Exports.Series;
using Exports.Storage;
using Npgsql;

namespace Exports.Jobs;

/// <summary>Where a job's file came from when the result cache answered it: the export computed afresh whose file it
/// shares (its own hard link or copy, so deleting or expiring either leaves the other whole).</summary>
public sealed record JobCache(bool Hit, Guid FromJob)
{
    /// <summary>The source export (its artifact, figures), which a hit being submitted links or copies (not shown).</summary>
    [System.Text.Json.Serialization.JsonIgnore] public CacheSource? Source { get; init; }
}

/// <summary>A completed export whose file may answer an identical request.</summary>
public sealed record CacheSource(Guid Id, string StorageKey, long Rows, long Bytes, string Checksum);

/// <summary>
/// The result cache (EXPORTS_CACHE, EXPORTS_CACHE_TTL_MINUTES). A series export computed afresh records a key when it
/// completes; a later series export of the same owner with the same key, within the TTL of that completion, is
/// answered from that export's file instead of being computed again. The key is a SHA-256 over:
/// <list type="bullet">
/// <item>the owner and the source's id;</item>
/// <item>the source's data version (<c>sources.data_version</c>, bumped in every ingest transaction into the source),
/// read BEFORE the export loads the source's catalog and runs its query. Read first, it can only understate what the
/// query saw: a file keyed with version v holds at least everything committed up to v, and a later request finds
/// version v only if nothing committed since, so the file is then exactly what a fresh run would read. A file that
/// saw a newer batch is keyed with the older version, which no later request reads again (the version only grows):
/// it is never served. The version covers the whole source, not the range: any point or record landing anywhere in
/// the source invalidates every cached export of it (simple, and never stale);</item>
/// <item>the planned query, not the request's JSON: the SQL and its parameters, the resolved absolute range, zone,
/// granularity and tier, the output columns (after include / exclude / rename / order), so key order, defaults and
/// spelling that plan to the same query are the same request, and a relative range ("last 1h") is the same only
/// when it resolves to the same instants;</item>
/// <item>the format, its options as parsed (every settable option, defaults filled in), the compression;</item>
/// <item>when the format embeds the request in the file (JSON and JSON Lines with metadata, Parquet, Excel, PDF: see
/// <see cref="Exports.Formats.ExportFormat.EmbedsRequest"/>), the request itself serialized as the file holds it, so
/// a hit never shows another spelling's text (file name, <c>to</c> with <c>Z</c> or <c>+01:00</c>); formats that do
/// not (CSV, TSV, Markdown, HTML) hit across spellings that plan alike;</item>
/// <item>this build of the service (its module id): a file an older build wrote is not served by a newer one.</item>
/// </list>
/// What the file says besides (its <c>exportedAt</c>) is the first export's.
/// Layout exports (PNG, PDF) read several sources and "now"; they are not cached. Direct downloads and streamed
/// exports store no file and are never sources; cancelled, failed and expired exports neither.
/// </summary>
public sealed class ResultCache(NpgsqlDataSource db, ExportsSettings settings, TimeProvider clock, IArtifactStore store, ILogger<ResultCache> log)
{
    static readonly string Build = typeof(ResultCache).Assembly.ManifestModule.ModuleVersionId.ToString("N");

    /// <summary>Options are serialized with their settable properties only (what a request can set, defaults filled
    /// in); derived read-only properties (a NumberFormatInfo built from them) are left out.</summary>
    static readonly JsonSerializerOptions OptionsJson = new(JsonSerializerOptions.Web)
    {
        TypeInfoResolver = new DefaultJsonTypeInfoResolver
        {
            Modifiers =
            {
                ti =>
                {
                    if (ti.Kind != JsonTypeInfoKind.Object) return;
                    for (var i = ti.Properties.Count - 1; i >= 0; i--)
                        if (ti.Properties[i].Set is null) ti.Properties.RemoveAt(i);
                },
            },
        },
    };

    /// <summary>Whether the cache answers requests (EXPORTS_CACHE). Settable so the cache's tests can turn it on in a
    /// test host that runs with it off.</summary>
    public bool Enabled { get; set; } = settings.Jobs.Cache;
    public TimeSpan Ttl { get; set; } = settings.Jobs.CacheTtl;

    /// <summary>The source's id and data version, by owner and name; null when there is no such source.</summary>
    public async Task<(Guid Source, long Version)?> VersionAsync(Guid owner, string? source, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(source)) return null;
        await using var cmd = db.CreateCommand("SELECT id, data_version FROM sources WHERE owner_id = $1 AND name = $2");
        cmd.Parameters.Add(new() { Value = owner });
        cmd.Parameters.Add(new() { Value = source.Trim() });
        await using var r = await cmd.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct) ? (r.GetGuid(0), r.GetInt64(1)) : null;
    }

    /// <summary>The key of <paramref name="p"/> prepared by <paramref name="owner"/> at the source's data version
    /// <paramref name="version"/> (read before the export was prepared); null when the version was read for another
    /// source than the one planned (the source was replaced meanwhile).</summary>
    public static string? Key(Guid owner, PreparedExport p, (Guid Source, long Version) version)
    {
        if (p.Plan.Source.Id != version.Source) return null;
        // A value the key cannot spell (none today: parameters are numbers, text, instants, ids and arrays of them)
        // leaves the export out of the cache instead of failing it.
        try { return KeyOf(owner, p, version); }
        catch (Exception e) when (e is NotSupportedException or JsonException or InvalidOperationException or ArgumentException) { return null; }
    }

    static string KeyOf(Guid owner, PreparedExport p, (Guid Source, long Version) version)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var w = new Utf8JsonWriter(buffer))
        {
            var plan = p.Plan;
            w.WriteStartObject();
            w.WriteString("build", Build);
            w.WriteString("owner", owner);
            w.WriteString("source", version.Source);
            w.WriteNumber("version", version.Version);
            w.WriteString("sql", plan.Sql);
            w.WriteStartArray("params");
            foreach (var a in plan.Params)
            {
                w.WriteStartArray();
                w.WriteStringValue(a.GetType().FullName);
                JsonSerializer.Serialize(w, a, a.GetType(), OptionsJson);
                w.WriteEndArray();
            }
            w.WriteEndArray();
            w.WriteNumber("from", plan.From.UtcTicks);
            w.WriteNumber("to", plan.To.UtcTicks);
            w.WriteString("zone", plan.Zone.Id);
            w.WriteString("granularity", plan.Granularity.Name);
            w.WriteString("tier", plan.Tier);
            foreach (var (name, cols) in new[] { ("all", plan.AllColumns), ("columns", plan.Columns) })
            {
                w.WriteStartArray(name);
                foreach (var c in cols) { w.WriteStartArray(); w.WriteStringValue(c.Name); w.WriteStringValue(c.Type.ToString()); w.WriteNumberValue(c.Slot); w.WriteBooleanValue(c.IsKey); w.WriteEndArray(); }
                w.WriteEndArray();
            }
            w.WriteString("format", p.Format.Name);
            var options = p.Format.GetType().GetProperty("Options")?.GetValue(p.Format);
            w.WritePropertyName("options");
            if (options is null) w.WriteNullValue(); else JsonSerializer.Serialize(w, options, options.GetType(), OptionsJson);
            w.WriteString("compression", p.Compression);
            w.WriteString("sourceName", plan.Source.Name);
            // The request as the file embeds it (its metadata serializes the same record): another spelling is
            // another file.
            if (p.Format.EmbedsRequest)
            {
                w.WritePropertyName("request");
                JsonSerializer.Serialize(w, p.Request, JsonSerializerOptions.Web);
            }
            w.WriteEndObject();
        }
        return "sha256:" + Convert.ToHexStringLower(SHA256.HashData(buffer.WrittenSpan));
    }

    /// <summary>The newest completed export of <paramref name="owner"/> computed with <paramref name="key"/> within the
    /// TTL, kept in <paramref name="storage"/>; null when the cache is off or there is none.</summary>
    public async Task<CacheSource?> FindAsync(Guid owner, string? key, string storage, CancellationToken ct)
    {
        if (!Enabled || key is null) return null;
        await using var cmd = db.CreateCommand("""
            SELECT id, storage_key, row_count, size_bytes, checksum FROM export_jobs
            WHERE owner_id = $1 AND cache_key = $2 AND status = 'completed' AND NOT direct AND storage = $3 AND completed_at > $4
              AND row_count IS NOT NULL AND size_bytes IS NOT NULL AND checksum IS NOT NULL
            ORDER BY completed_at DESC LIMIT 1
            """);
        cmd.Parameters.Add(new() { Value = owner });
        cmd.Parameters.Add(new() { Value = key });
        cmd.Parameters.Add(new() { Value = storage });
        cmd.Parameters.Add(new() { Value = clock.GetUtcNow() - Ttl });
        await using var r = await cmd.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct) ? new CacheSource(r.GetGuid(0), r.GetString(1), r.GetInt64(2), r.GetInt64(3), r.GetString(4)) : null;
    }

    /// <summary>Prepares <paramref name="req"/> for <paramref name="owner"/> with the source's data version read first,
    /// and its key; the key is null when the request is not valid or names no source.</summary>
    public async Task<(PrepareOutcome Outcome, PreparedExport? Export, Shared.Errors Errors, string? Key)> PrepareAsync(
        SeriesExports series, Guid owner, ExportRequest req, CancellationToken ct)
    {
        var version = await VersionAsync(owner, req.Source, ct);
        var (outcome, prepared, errors) = await series.PrepareAsync(owner, req, ct);
        var key = outcome == PrepareOutcome.Ok && version is { } v ? Key(owner, prepared!, v) : null;
        return (outcome, prepared, errors, key);
    }

    /// <summary>The stored file of the newest source of <paramref name="key"/>, opened (a streamed request sends it);
    /// null when there is none, or the store fails to open it (logged: the export is computed instead).</summary>
    public async Task<(CacheSource Source, ArtifactRead File)?> OpenAsync(Guid owner, string? key, CancellationToken ct)
    {
        if (await FindAsync(owner, key, store.Name, ct) is not { } hit) return null;
        try { return await store.OpenAsync(hit.StorageKey, 0, null, ct) is { } file ? (hit, file) : null; }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            log.LogWarning(e, "Result cache: the file of export {Job} could not be opened; the export is computed instead", hit.Id);
            return null;
        }
    }

    /// <summary>What a request's <c>Cache-Control</c> lets the cache do: <c>no-store</c> neither answers it from the
    /// cache nor keeps its result as a source; <c>no-cache</c> computes it afresh, and its result may answer later
    /// requests.</summary>
    public static CacheUse Use(string? cacheControl)
    {
        var directives = cacheControl is { Length: > 0 } cc ? cc.Split(',').Select(d => d.Trim().Split('=')[0].Trim().ToLowerInvariant()).ToList() : [];
        return directives.Contains("no-store") ? CacheUse.None : directives.Contains("no-cache") ? CacheUse.StoreOnly : CacheUse.ReadAndStore;
    }
}

/// <summary>How one export uses the result cache (from its <c>Cache-Control</c>).</summary>
public enum CacheUse
{
    /// <summary>Answered from the cache when it holds the export; computed, it becomes a source.</summary>
    ReadAndStore,
    /// <summary><c>no-cache</c>: always computed; it becomes a source.</summary>
    StoreOnly,
    /// <summary><c>no-store</c>: always computed, and never a source.</summary>
    None,
}
