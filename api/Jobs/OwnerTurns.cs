using System.Collections.Concurrent;

namespace Exports.Jobs;

/// <summary>One owner's submissions on this node take turns before they open a connection: the owner's advisory lock
/// (which orders submissions across nodes) is then awaited by at most one connection per owner and node, so a burst of
/// one owner's submissions waits here, holding nothing, instead of holding pooled connections that other owners'
/// requests and the runs need.</summary>
public sealed class OwnerTurns
{
    readonly ConcurrentDictionary<Guid, Turn> _turns = new();

    /// <summary>Waits for the owner's turn; disposing the result gives it to the next waiter.</summary>
    public async Task<IDisposable> WaitAsync(Guid owner, CancellationToken ct)
    {
        Turn turn;
        while (true)
        {
            turn = _turns.GetOrAdd(owner, _ => new Turn());
            lock (turn)
            {
                // A turn removed from the map (its last user left) is not reused: take the map's current one.
                if (!turn.Retired) { turn.Users++; break; }
            }
        }
        try { await turn.Gate.WaitAsync(ct); }
        catch
        {
            Leave(owner, turn);
            throw;
        }
        return new Held(this, owner, turn);
    }

    void Leave(Guid owner, Turn turn)
    {
        lock (turn)
        {
            if (--turn.Users > 0) return;
            turn.Retired = true;
            _turns.TryRemove(new KeyValuePair<Guid, Turn>(owner, turn));
        }
    }

    /// <summary>Owners with a turn taken or awaited (for tests: none once every submission is done).</summary>
    internal int Count => _turns.Count;

    sealed class Turn
    {
        public readonly SemaphoreSlim Gate = new(1, 1);
        public int Users;
        public bool Retired;
    }

    sealed class Held(OwnerTurns turns, Guid owner, Turn turn) : IDisposable
    {
        int _done;
        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) != 0) return;
            turn.Gate.Release();
            turns.Leave(owner, turn);
        }
    }
}
