using Npgsql;

namespace Exports.Host;

public sealed class SettingsException(string message) : Exception(message);

/// <summary>All configuration, read once from appsettings and EXPORTS_* variables and validated at start-up.</summary>
public sealed record ExportsSettings
{
    public required string ConnectionString { get; init; }
    public int Port { get; init; } = 5080;
    public string DataDir { get; init; } = ".data";
    public string? DemoApiKey { get; init; }
    public bool Seed { get; init; } = true;
    public int RawMaxDays { get; init; } = 31;
    public int PreviewRows { get; init; } = 100;
    public string? SpaDir { get; init; }

    public static ExportsSettings Load(IConfiguration config)
    {
        string? Get(string name) => config[name] ?? config[$"Exports:{name["EXPORTS_".Length..]}"];

        var db = Get("EXPORTS_DB");
        if (string.IsNullOrWhiteSpace(db))
            throw new SettingsException("EXPORTS_DB is not set: give a PostgreSQL connection string (npm start sets it for the embedded database).");
        try { _ = new NpgsqlConnectionStringBuilder(db); }
        catch (Exception e) { throw new SettingsException($"EXPORTS_DB is not a valid PostgreSQL connection string: {e.Message}"); }

        var settings = new ExportsSettings
        {
            ConnectionString = db,
            Port = Int("EXPORTS_PORT", Get("EXPORTS_PORT"), 5080, 1, 65535),
            DataDir = Get("EXPORTS_DATA_DIR") is { Length: > 0 } d ? d : ".data",
            DemoApiKey = Get("EXPORTS_DEMO_API_KEY") is { Length: > 0 } k ? k : null,
            Seed = Bool("EXPORTS_SEED", Get("EXPORTS_SEED"), true),
            RawMaxDays = Int("EXPORTS_RAW_MAX_DAYS", Get("EXPORTS_RAW_MAX_DAYS"), 31, 1, 3660),
            SpaDir = Get("EXPORTS_SPA_DIR") is { Length: > 0 } s ? s : null,
        };
        if (settings.DemoApiKey is { } key && (key.Length < 24 || key.Any(char.IsWhiteSpace)))
            throw new SettingsException("EXPORTS_DEMO_API_KEY must be at least 24 characters without spaces.");
        return settings;
    }

    static int Int(string name, string? raw, int fallback, int min, int max)
    {
        if (string.IsNullOrWhiteSpace(raw)) return fallback;
        if (!int.TryParse(raw, out var v) || v < min || v > max)
            throw new SettingsException($"{name} must be a whole number from {min} to {max} (got '{raw}').");
        return v;
    }

    static bool Bool(string name, string? raw, bool fallback) => raw?.Trim().ToLowerInvariant() switch
    {
        null or "" => fallback,
        "true" or "1" or "yes" => true,
        "false" or "0" or "no" => false,
        _ => throw new SettingsException($"{name} must be true or false (got '{raw}')."),
    };
}
