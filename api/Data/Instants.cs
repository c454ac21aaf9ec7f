namespace Exports.Data;

/// <summary>Instants as PostgreSQL's timestamptz keeps them: to the microsecond.</summary>
public static class Instants
{
    /// <summary><paramref name="t"/> without the 100 ns ticks below its microsecond.</summary>
    public static DateTimeOffset ToMicroseconds(this DateTimeOffset t) => t.AddTicks(-(t.Ticks % 10));
}
