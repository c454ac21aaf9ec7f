using System.Security.Cryptography;
using System.Text;
using Exports.Host;
using Npgsql;

namespace Exports.Features.Identity;

/// <summary>Which login limit was reached and how long until the next attempt may be made.</summary>
public sealed record LoginRefusal(string Limit, TimeSpan RetryAfter);

/// <summary>
/// Throttles password sign-in before any password is hashed (PBKDF2 is the expensive part a flood buys): failed
/// attempts per account (e-mail) and per client address within a sliding window (EXPORTS_LOGIN_*). An attempt
/// reserves its place in both windows before the hash, so a burst of parallel requests cannot all slip in before
/// the first failure is counted; a success gives the reservation back and clears the account's failures.
/// <para>Per account the failures live in PostgreSQL (login_failures, the SHA-256 of the normalized e-mail): every
/// node of a cluster sees the same count, so adding nodes does not multiply the guesses an account can take. Per
/// address they live in this node's memory: the flood they stop is CPU on the node that receives it, the check
/// costs no I/O, and addresses are many and short-lived (a table would grow with every address an attacker
/// rotates through). Behind a load balancer each node counts separately, so an address gets up to nodes × limit.</para>
/// </summary>
public sealed class LoginThrottle(NpgsqlDataSource db, ExportsSettings settings, TimeProvider clock)
{
    readonly Dictionary<string, List<DateTimeOffset>> _addresses = new();
    int _sinceSweep;

    LoginSettings L => settings.Login;

    public static byte[] Account(string email) => SHA256.HashData(Encoding.UTF8.GetBytes(email.Trim().ToLowerInvariant()));

    /// <summary>Reserves one attempt for the address and the account, or says which limit refuses it.</summary>
    public async Task<LoginRefusal?> TryBeginAsync(string address, byte[] account, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var sweep = false;
        lock (_addresses)
        {
            if (++_sinceSweep >= 1000) { Sweep(now); sweep = true; }
            if (!_addresses.TryGetValue(address, out var times)) _addresses[address] = times = [];
            times.RemoveAll(t => t <= now - L.Window);
            if (times.Count >= L.MaxFailuresPerAddress) return new("address", times[0] + L.Window - now);
            times.Add(now);
        }
        if (sweep)
        {
            // Failures of accounts that never signed in again (an attacker's list of e-mails) leave with their window.
            await using var prune = db.CreateCommand("DELETE FROM login_failures WHERE failed_at <= $1");
            prune.Parameters.Add(new NpgsqlParameter { Value = now - L.Window });
            await prune.ExecuteNonQueryAsync(ct);
        }
        // Count and reserve under the account's lock, so parallel guesses cannot all see a count below the limit
        // (each statement under READ COMMITTED reads a snapshot taken after the lock is held).
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        await using (var lockCmd = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtextextended('login:' || encode($1, 'hex'), 0))", conn, tx))
        {
            lockCmd.Parameters.Add(new NpgsqlParameter { Value = account });
            await lockCmd.ExecuteNonQueryAsync(ct);
        }
        long reserved;
        DateTimeOffset oldest;
        await using (var cmd = new NpgsqlCommand("""
            WITH recent AS (SELECT count(*) AS n, min(failed_at) AS oldest FROM login_failures WHERE account = $1 AND failed_at > $2),
                 reserved AS (INSERT INTO login_failures (account, failed_at) SELECT $1, $3 FROM recent WHERE n < $4 RETURNING 1)
            SELECT (SELECT count(*) FROM reserved), (SELECT oldest FROM recent)
            """, conn, tx))
        {
            foreach (var v in new object[] { account, now - L.Window, now, L.MaxFailures }) cmd.Parameters.Add(new NpgsqlParameter { Value = v });
            await using var r = await cmd.ExecuteReaderAsync(ct);
            await r.ReadAsync(ct);
            reserved = r.GetInt64(0);
            oldest = r.IsDBNull(1) ? now : r.GetFieldValue<DateTimeOffset>(1);
        }
        await tx.CommitAsync(ct);
        if (reserved == 1) return null;
        Release(address, now);
        return new("account", oldest + L.Window - now);
    }

    /// <summary>A successful sign-in: the address gets its reservation back, the account starts from zero.</summary>
    public async Task SucceededAsync(string address, byte[] account, CancellationToken ct)
    {
        Release(address, null);
        await using var cmd = db.CreateCommand("DELETE FROM login_failures WHERE account = $1 OR failed_at <= $2");
        cmd.Parameters.Add(new NpgsqlParameter { Value = account });
        cmd.Parameters.Add(new NpgsqlParameter { Value = clock.GetUtcNow() - L.Window });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    void Release(string address, DateTimeOffset? at)
    {
        lock (_addresses)
            if (_addresses.TryGetValue(address, out var times) && times.Count > 0)
            {
                var i = at is { } a ? times.LastIndexOf(a) : times.Count - 1;
                times.RemoveAt(i < 0 ? times.Count - 1 : i);
            }
    }

    void Sweep(DateTimeOffset now)
    {
        _sinceSweep = 0;
        foreach (var (k, v) in _addresses.ToList())
            if (v.Count == 0 || v[^1] <= now - L.Window) _addresses.Remove(k);
    }
}
