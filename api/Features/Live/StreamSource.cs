using System.Buffers;
using System.Globalization;
using System.Text;
using Exports.Host;
using Exports.Series;
using Exports.Shared;
using FastEndpoints;
using Microsoft.AspNetCore.Authentication;
using FluentValidation;
using Npgsql;

namespace Exports.Features.Live;

public sealed class StreamSourceRequest : IQueryBound
{
    /// <summary>From the route only.</summary>
    [DontBind(FastEndpoints.Source.QueryParam)] public string Source { get; set; } = "";
    /// <summary>The stream token: the credential of pages elsewhere and scripts (browsers' EventSource sends no
    /// headers). Without it, the signed-in owner (session cookie or API key) reads their own source.</summary>
    [BindFrom("token")] public string? Token { get; set; }
    /// <summary>Resume after this seq (as the Last-Event-ID header, which wins when both are given).</summary>
    [BindFrom("lastEventId")] public string? LastEventId { get; set; }
}

public sealed class StreamSourceValidator : Validator<StreamSourceRequest>
{
    public StreamSourceValidator()
    {
        RuleFor(r => r.LastEventId).Must(v => v is null || StreamSource.TryParseSeq(v, out _))
            .WithMessage("lastEventId is the id of the last event received: a whole number of 0 or more.").OverridePropertyName("lastEventId");
    }
}

/// <summary>
/// GET /sources/{source}/stream?token=… (or, signed in, without a token): the source's live log as Server-Sent Events. Each event is <c>id: seq</c> and
/// <c>data: {"seq","committedAt","rowCount","rows":[…]}</c>; an event coalescing several seqs (past
/// EXPORTS_LIVE_EVENTS_PER_SECOND) also says <c>fromSeq</c> and has the last seq as its id. <c>Last-Event-ID</c> (or
/// <c>lastEventId</c>) resumes after that seq; from further back than the retained log, an <c>event: gap</c> says
/// which seqs were lost ({"from","to"}) before the rest (so does any missing seq); from past the last seq, an
/// <c>event: reset</c> ({"lastEventId","seq"}, id the last seq) before going on from there. <c>:keepalive</c> after EXPORTS_LIVE_KEEPALIVE_SECONDS of
/// silence. The stream ends when its token is revoked (on any node: the live signal) or expires. When rows came after
/// the cursor that the log does not hold (an ingest that committed with no consumer: a signed-in stream resumed after
/// its watcher lapsed, or one that looked just before the stream began), <c>event: resync</c> ({"lastEventId"}, no
/// id) says to re-read the stored data. A signed-in stream ends when the API key it was opened with is revoked, its
/// watcher lapses, or its session's cookie expires (at most 12 h; the client reconnects).
/// </summary>
public sealed class StreamSource(NpgsqlDataSource db, LiveLog log, LiveSignals signals, LiveStreamLimits limits, LiveSettings live,
    ExportsSettings settings, TimeProvider clock) : Endpoint<StreamSourceRequest>
{
    /// <summary>Most rows one read (and so one coalesced event) takes: whole events, at least one.</summary>
    public const int MaxRowsPerRead = 5000;
    public const int RetryAfterSeconds = 30;
    static readonly byte[] Keepalive = ":keepalive\n\n"u8.ToArray();

    public override void Configure()
    {
        Get("/sources/{source}/stream");
        AllowAnonymous();
        Description(d => d.WithTags("Live").WithSummary("A source's new rows as Server-Sent Events (a stream token, or signed in for your own source)")
            .Produces(200, contentType: "text/event-stream").ProducesProblem(400).ProducesProblem(401).ProducesProblem(403)
            .ProducesProblem(404).ProducesProblem(429));
    }

    public static bool TryParseSeq(string text, out long seq) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out seq);

    public override async Task HandleAsync(StreamSourceRequest req, CancellationToken ct)
    {
        var http = HttpContext;
        http.Response.Headers.Vary = "Origin";
        if (!StreamTokens.CanNameSource(req.Source))
        {
            await Send.ResultAsync(Problems.NotFound($"No source named '{StorableText.Display(req.Source)}'."));
            return;
        }
        if (!TryResumeAfter(req, out var after, out var badResume))
        {
            await Send.ResultAsync(badResume!);
            return;
        }
        if (string.IsNullOrEmpty(req.Token))
        {
            if (User.Identity?.IsAuthenticated != true)
            {
                await Send.ResultAsync(Problems.Field("token", "Pass the stream token: ?token=lst_… (POST /sources/{source}/stream-tokens makes one), or sign in, or send an API key."));
                return;
            }
            await StreamSignedInAsync(req.Source, after, ct);
            return;
        }
        var grant = await StreamGrant.FindAsync(db, req.Token, ct);
        if (grant is null)
        {
            await Send.ResultAsync(Problems.Status(401, "The stream token is not valid", "It is unknown, revoked or expired. Ask for a new one."));
            return;
        }
        // The token reads its own source and nothing else: to it, every other source does not exist.
        if (!string.Equals(grant.SourceName, req.Source, StringComparison.Ordinal))
        {
            await Send.ResultAsync(Problems.NotFound($"No source named '{req.Source}' for this token."));
            return;
        }
        var origin = http.Request.Headers.Origin.ToString();
        var allowed = grant.AllowedOrigin(origin);
        if (origin.Length > 0 && allowed is null && !SameOrigin(origin))
        {
            await Send.ResultAsync(Problems.Status(403, "This origin may not read the stream", $"'{origin}' is not one of the token's origins."));
            return;
        }
        if (allowed is not null) http.Response.Headers.AccessControlAllowOrigin = allowed;

        using var lease = limits.TryAcquire(grant.TokenId, grant.OwnerId, out var refused);
        if (lease is null)
        {
            await RefuseAsync(refused);
            return;
        }
        await StreamAsync(grant, after, ct);
    }

    /// <summary>A stream without a token, for its signed-in owner (the SPA's session cookie, or an API key): their own
    /// sources only, from this app's own origin only (no CORS: other origins use a stream token), counted as one token
    /// of theirs, and kept visible to the ingest by a watcher (<see cref="LiveWatchers"/>).</summary>
    async Task StreamSignedInAsync(string source, long? after, CancellationToken ct)
    {
        var origin = HttpContext.Request.Headers.Origin.ToString();
        // A cross-site or sibling-site request (an <img> or <script> sends no Origin) never uses the session's streams.
        var site = HttpContext.Request.Headers["Sec-Fetch-Site"].ToString();
        if ((origin.Length > 0 && !SameOrigin(origin)) || site is "cross-site" or "same-site")
        {
            await Send.ResultAsync(Problems.Status(403, "This origin may not read the stream",
                $"A signed-in stream is read by this app's own pages; '{origin}' needs a stream token that lists it."));
            return;
        }
        var owner = User.OwnerId();
        using var lease = limits.TryAcquire(owner, owner, out var refused);
        if (lease is null)
        {
            await RefuseAsync(refused);
            return;
        }
        // A session stream ends with its cookie (at most 12 h): a signed-out account's stream does not outlive it.
        var now = clock.GetUtcNow();
        var expires = now + LiveWatchers.MaxStreamLife;
        if (User.ApiKeyId() is null && (await HttpContext.AuthenticateAsync()).Properties?.ExpiresUtc is { } cookieEnds && cookieEnds < expires)
            expires = cookieEnds;
        var grant = await LiveWatchers.OpenAsync(db, owner, User.ApiKeyId(), source, live.Keepalive, expires, ct);
        if (grant is null)
        {
            await Send.ResultAsync(Problems.NotFound($"No source named '{StorableText.Display(source)}'."));
            return;
        }
        // The watcher outlives the stream by up to a lease (it is not deleted): a reconnect within it misses nothing.
        await StreamAsync(grant, after, ct);
    }

    /// <summary>Where a stream resumes: the Last-Event-ID header, else the lastEventId query (the validator checked it);
    /// null for "only what comes next".</summary>
    bool TryResumeAfter(StreamSourceRequest req, out long? after, out IResult? problem)
    {
        after = null;
        problem = null;
        var header = HttpContext.Request.Headers["Last-Event-ID"].ToString();
        if (header.Length > 0)
        {
            if (!TryParseSeq(header, out var h))
            {
                problem = Problems.Field("Last-Event-ID", "The Last-Event-ID header is the id of the last event received: a whole number of 0 or more.");
                return false;
            }
            after = h;
        }
        else if (req.LastEventId is not null && TryParseSeq(req.LastEventId, out var q)) after = q;
        return true;
    }

    async Task RefuseAsync(string? refused)
    {
        HttpContext.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        await Send.ResultAsync(Problems.Status(429, "Too many live streams", refused));
    }

    async Task StreamAsync(StreamGrant grant, long? after, CancellationToken ct)
    {
        var http = HttpContext;
        using var signal = signals.Subscribe(grant.SourceId); // before the first read: an ingest after it is not missed
        http.Response.StatusCode = 200;
        http.Response.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-store";
        http.Response.Headers["X-Accel-Buffering"] = "no";
        try
        {
            await RunAsync(grant, after, signal, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { /* the client went away */ }
        catch (IOException) when (ct.IsCancellationRequested) { }
    }

    bool SameOrigin(string origin) =>
        StreamTokens.Normalize(origin, out _) is { } o && StreamTokens.Normalize(new Uri(settings.PublicUrl).GetLeftPart(UriPartial.Authority), out _) == o;

    async Task RunAsync(StreamGrant grant, long? resumeAfter, LiveSignals.Subscription signal, CancellationToken ct)
    {
        var body = HttpContext.Response.BodyWriter;
        var head = await log.ReadAsync(grant.SourceId, long.MaxValue - 1, 1, ct);
        var cursor = resumeAfter ?? head.LastSeq; // without Last-Event-ID, only what comes next
        // An ingest that committed without logging (no consumer when it looked) after the cursor: its rows are not in
        // the log. Resuming, one since the event resumed after; then, any that commits while the stream is open (one
        // that looked just before this stream's watcher existed).
        var unlogged = resumeAfter is { } r && head.UnloggedSeq >= r ? -1 : head.UnloggedCount;
        await HttpContext.Response.StartAsync(ct);
        await body.WriteAsync(Encoding.UTF8.GetBytes($"retry: 2000\n\n"), ct);

        // Token bucket: EXPORTS_LIVE_EVENTS_PER_SECOND events a second, at most one second's worth saved up.
        var rate = (double)live.EventsPerSecond;
        var tokens = rate;
        var refilled = clock.GetTimestamp();
        var lastWrite = clock.GetUtcNow();
        var lastChecked = lastWrite;
        while (true)
        {
            // Past its expiry by this node's clock the stream ends, whatever the database's clock says (no spinning on
            // a token the two clocks disagree about).
            if (clock.GetUtcNow() >= grant.ExpiresAt) return;
            // The grant is checked on a token signal (a revocation) and at least once per keepalive interval, busy or
            // not: a revocation whose signal was missed still ends the stream, and a watcher is renewed in time.
            if (signal.TakeTokensChanged() || clock.GetUtcNow() - lastChecked >= live.Keepalive)
            {
                if (!await grant.StillLiveAsync(db, live.Keepalive, ct)) return; // revoked: the server closes the stream
                lastChecked = clock.GetUtcNow();
            }

            var read = await log.ReadAsync(grant.SourceId, cursor, MaxRowsPerRead, ct);
            if (read.UnloggedCount != unlogged)
            {
                // Rows the log does not hold came after the cursor: the client should re-read the stored data.
                await body.WriteAsync(Encoding.UTF8.GetBytes($"event: resync\ndata: {{\"lastEventId\":{cursor}}}\n\n"), ct);
                unlogged = read.UnloggedCount;
                lastWrite = clock.GetUtcNow();
            }
            if (read.LastSeq < cursor)
            {
                // A Last-Event-ID past the source's last seq (not one this source sent): say so, then go on from the head.
                await body.WriteAsync(Encoding.UTF8.GetBytes($"event: reset\nid: {read.LastSeq}\ndata: {{\"lastEventId\":{cursor},\"seq\":{read.LastSeq}}}\n\n"), ct);
                cursor = read.LastSeq;
                lastWrite = clock.GetUtcNow();
            }
            var events = Contiguous(read.Events, cursor);
            // Whenever the next seq is not cursor + 1 (retention, or anything else that lost seqs): say exactly which
            // seqs are missing, then go on. None read while the head is past the cursor: all of them are missing.
            var next = events.Count > 0 ? events[0].Seq : read.LastSeq + 1;
            if (next > cursor + 1)
            {
                var to = next - 1;
                await body.WriteAsync(Encoding.UTF8.GetBytes($"event: gap\nid: {to}\ndata: {{\"from\":{cursor + 1},\"to\":{to}}}\n\n"), ct);
                cursor = to;
                lastWrite = clock.GetUtcNow();
            }
            if (events.Count > 0)
            {
                var now = clock.GetTimestamp();
                tokens = Math.Min(rate, tokens + clock.GetElapsedTime(refilled, now).TotalSeconds * rate);
                refilled = now;
                if (tokens < 1)
                {
                    // Over the rate: wait for the next place, then read again (more may have come: they coalesce).
                    await Task.Delay(TimeSpan.FromSeconds((1 - tokens) / rate), clock, ct);
                    continue;
                }
                if (events.Count <= (int)tokens)
                {
                    foreach (var e in events) WriteEvent(body, [e]);
                    tokens -= events.Count;
                }
                else
                {
                    // More events than places this second: the excess goes as one larger event, never dropped.
                    var single = (int)tokens - 1;
                    for (var i = 0; i < single; i++) WriteEvent(body, [events[i]]);
                    WriteEvent(body, events.Skip(single).ToList());
                    tokens -= single + 1;
                }
                await body.FlushAsync(ct);
                cursor = events[^1].Seq;
                lastWrite = clock.GetUtcNow();
                continue; // read again at once: a resume may have more than one read's worth
            }
            await body.FlushAsync(ct);

            var idle = clock.GetUtcNow() - lastWrite;
            if (idle >= live.Keepalive)
            {
                // The token is checked again at each keepalive too: a revocation whose signal was missed (the LISTEN
                // connection down) still ends the stream within one keepalive interval.
                if (!await grant.StillLiveAsync(db, live.Keepalive, ct)) return;
                lastChecked = clock.GetUtcNow();
                await body.WriteAsync(Keepalive, ct);
                lastWrite = clock.GetUtcNow();
                continue;
            }
            var wait = live.Keepalive - idle;
            var untilExpiry = grant.ExpiresAt - clock.GetUtcNow();
            if (untilExpiry < wait) wait = untilExpiry < TimeSpan.Zero ? TimeSpan.Zero : untilExpiry;
            await signal.WaitAsync(wait, ct);
        }
    }

    /// <summary>The events after <paramref name="cursor"/> up to the first missing seq among them (a hole further on is
    /// seen, and reported as a gap, by the next read).</summary>
    static List<LiveEvent> Contiguous(IReadOnlyList<LiveEvent> read, long cursor)
    {
        var events = new List<LiveEvent>(read.Count);
        foreach (var e in read)
        {
            if (e.Seq <= cursor) continue;
            if (events.Count > 0 && e.Seq != events[^1].Seq + 1) break;
            events.Add(e);
        }
        return events;
    }

    /// <summary>One SSE event of one or more consecutive seqs: rows written as the log holds them (no row is parsed).</summary>
    static void WriteEvent(IBufferWriter<byte> w, IReadOnlyList<LiveEvent> events)
    {
        var last = events[^1];
        var rows = 0;
        foreach (var e in events) rows += e.RowCount;
        var head = new StringBuilder();
        head.Append("id: ").Append(last.Seq).Append("\ndata: {\"seq\":").Append(last.Seq);
        if (events.Count > 1) head.Append(",\"fromSeq\":").Append(events[0].Seq);
        head.Append(",\"committedAt\":\"").Append(last.CommittedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture))
            .Append("\",\"rowCount\":").Append(rows).Append(",\"rows\":[");
        Write(w, head.ToString());
        for (var i = 0; i < events.Count; i++)
        {
            if (i > 0) Write(w, ",");
            var json = events[i].RowsJson.AsSpan();
            Write(w, json[1..^1]); // the chunk's array without its brackets (a chunk has at least one row)
        }
        Write(w, "]}\n\n");
    }

    static void Write(IBufferWriter<byte> w, ReadOnlySpan<char> text)
    {
        var span = w.GetSpan(Encoding.UTF8.GetMaxByteCount(Math.Min(text.Length, 16 * 1024)));
        if (text.Length <= 16 * 1024)
        {
            w.Advance(Encoding.UTF8.GetBytes(text, span));
            return;
        }
        Encoding.UTF8.GetBytes(text, w); // long chunks: the encoder writes in pieces
    }
}
