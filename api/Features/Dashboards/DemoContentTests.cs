using System.Globalization;
using System.Text.RegularExpressions;
using Exports.Tests.Infrastructure;

namespace Exports.Tests.Features.Dashboards;

/// <summary>Demo widgets show what their titles say, with values equal to SQL on the raw records.</summary>
[Collection(ApiCollection.Name)]
public sealed class DemoContentTests(ApiFixture api)
{
    [Fact]
    public async Task CommandDurationByWeek_IsDurationOnly_AndEveryRowEqualsSql()
    {
        var newest = await api.ScalarAsync<DateTime>("SELECT max(r.ts) FROM records r JOIN sources s ON s.id = r.source_id WHERE s.name = 'agent-commands'");
        var to = new DateTime(newest.Year, newest.Month, newest.Day, newest.Hour, 0, 0, DateTimeKind.Utc);
        var from = to.AddDays(-7);
        var r = await api.Demo().GetAsync($"/api/v1/dashboards/agent-commands/export.pdf?from={from:yyyy-MM-ddTHH:mm:ssZ}&to={to:yyyy-MM-ddTHH:mm:ssZ}");
        var text = await Tools.PdfTextAsync(r, "-layout");
        Assert.Contains("Command duration by week (count, p95, max)", text);
        Assert.Matches(@"time\s+command\s+count\s+duration_ms_p95\s+duration_ms_max", text);
        Assert.DoesNotContain("exit_code", text);
        var expected = await api.RowsAsync("""
            SELECT to_char(date_trunc('week', r.ts, 'UTC'), 'YYYY-MM-DD HH24:MI'), r.data->>'command', count(*),
                   percentile_cont(0.95) WITHIN GROUP (ORDER BY (r.data->>'duration_ms')::float8), max((r.data->>'duration_ms')::float8)
            FROM records r JOIN sources s ON s.id = r.source_id JOIN users u ON u.id = s.owner_id
            WHERE u.email = 'demo@exports.local' AND s.name = 'agent-commands' AND r.ts >= $1 AND r.ts < $2
            GROUP BY 1, 2 ORDER BY 1, 2
            """, from, to);
        Assert.NotEmpty(expected);
        foreach (var row in expected)
        {
            var m = Regex.Match(text, $@"{Regex.Escape((string)row[0]!)}\s+{Regex.Escape((string)row[1]!)}\s+([\d,]+)\s+([\d,]+)\s+([\d,]+)");
            Assert.True(m.Success, $"no row for {row[0]} {row[1]}");
            double N(int g) => double.Parse(m.Groups[g].Value.Replace(",", ""), CultureInfo.InvariantCulture);
            Assert.Equal((long)row[2]!, (long)N(1));
            Assert.Equal((double)row[3]!, N(2), 0.5001); // printed with no decimals
            Assert.Equal((double)row[4]!, N(3), 0.5001);
        }
    }
}
