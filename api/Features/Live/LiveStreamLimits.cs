using System.Collections.Concurrent;
using Exports.Series;

namespace Exports.Features.Live;

/// <summary>This node's open live streams, per token, per owner and in all (EXPORTS_LIVE_STREAMS_PER_TOKEN, _PER_OWNER,
/// _PER_NODE): a new stream past any is refused (429). A singleton of the process; a lease gives its places back when disposed.</summary>
public sealed class LiveStreamLimits(LiveSettings settings)
{
    readonly ConcurrentDictionary<Guid, int> _tokens = new();
    readonly ConcurrentDictionary<Guid, int> _owners = new();
    readonly Lock _gate = new();
    int _total;

    public int PerToken => settings.StreamsPerToken;
    public int PerOwner => settings.StreamsPerOwner;

    /// <summary>A place for one more stream of <paramref name="token"/> and <paramref name="owner"/>, or null with
    /// which limit refused it.</summary>
    public IDisposable? TryAcquire(Guid token, Guid owner, out string? refused)
    {
        lock (_gate)
        {
            refused = null;
            var t = _tokens.GetValueOrDefault(token);
            var o = _owners.GetValueOrDefault(owner);
            if (_total >= settings.StreamsPerNode) refused = $"This server already has {_total} open live streams (EXPORTS_LIVE_STREAMS_PER_NODE = {settings.StreamsPerNode}).";
            else if (t >= settings.StreamsPerToken) refused = $"This token already has {t} open streams (EXPORTS_LIVE_STREAMS_PER_TOKEN = {settings.StreamsPerToken}).";
            else if (o >= settings.StreamsPerOwner) refused = $"This account already has {o} open live streams (EXPORTS_LIVE_STREAMS_PER_OWNER = {settings.StreamsPerOwner}).";
            if (refused is not null) return null;
            _tokens[token] = t + 1;
            _owners[owner] = o + 1;
            _total++;
            return new Lease(this, token, owner);
        }
    }

    void Release(Guid token, Guid owner)
    {
        lock (_gate)
        {
            if (_tokens.GetValueOrDefault(token) <= 1) _tokens.TryRemove(token, out _); else _tokens[token]--;
            if (_owners.GetValueOrDefault(owner) <= 1) _owners.TryRemove(owner, out _); else _owners[owner]--;
            _total--;
        }
    }

    sealed class Lease(LiveStreamLimits limits, Guid token, Guid owner) : IDisposable
    {
        int _disposed;
        public void Dispose() { if (Interlocked.Exchange(ref _disposed, 1) == 0) limits.Release(token, owner); }
    }
}
