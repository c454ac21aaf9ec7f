namespace Exports.Data.Migrations;

/// <summary>
/// The first schema: users, keys and sources (relational tables read with Npgsql commands), and the series store
/// (series, points, the hourly and daily rollups, records), read and written with plain Npgsql on the hot path.
/// Rollups keep count, sum, min, max and 101 quantiles (p0..p100) of each bucket, which is what the percentile
/// aggregations need when a query reads a coarser tier. Points and rollups carry no foreign key to series: a
/// per-row trigger check would triple the cost of bulk loads, and only the series store writes them.
/// </summary>
public static class Initial
{
    public static readonly Migration Step = new("20261122000001_Initial", """
        CREATE TABLE users (
            id uuid PRIMARY KEY,
            email text NOT NULL,
            name text NOT NULL,
            password_hash text NOT NULL,
            created_at timestamptz NOT NULL
        );
        CREATE UNIQUE INDEX users_email ON users (lower(email));

        CREATE TABLE api_keys (
            id uuid PRIMARY KEY,
            owner_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            name text NOT NULL,
            prefix text NOT NULL,
            hash bytea NOT NULL,
            created_at timestamptz NOT NULL,
            revoked_at timestamptz NULL,
            last_used_at timestamptz NULL
        );
        CREATE UNIQUE INDEX api_keys_hash ON api_keys (hash);
        CREATE INDEX api_keys_owner ON api_keys (owner_id);

        CREATE TABLE sources (
            id uuid PRIMARY KEY,
            owner_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            name text NOT NULL,
            kind text NOT NULL CHECK (kind IN ('timeseries', 'records')),
            description text NOT NULL DEFAULT '',
            schema jsonb NOT NULL DEFAULT '{}',
            created_at timestamptz NOT NULL
        );
        CREATE UNIQUE INDEX sources_owner_name ON sources (owner_id, name);

        CREATE TABLE series (
            id bigserial PRIMARY KEY,
            source_id uuid NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
            metric text NOT NULL,
            tags jsonb NOT NULL,
            tags_key text NOT NULL
        );
        CREATE UNIQUE INDEX series_natural ON series (source_id, metric, tags_key);

        CREATE TABLE points (
            series_id bigint NOT NULL,
            ts timestamptz NOT NULL,
            value double precision NULL,
            PRIMARY KEY (series_id, ts)
        );

        CREATE TABLE rollup_hourly (
            series_id bigint NOT NULL,
            bucket timestamptz NOT NULL,
            n bigint NOT NULL,
            sum double precision NULL,
            min double precision NULL,
            max double precision NULL,
            q double precision[] NULL,
            PRIMARY KEY (series_id, bucket)
        );

        CREATE TABLE rollup_daily (LIKE rollup_hourly INCLUDING ALL);

        CREATE TABLE records (
            source_id uuid NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
            key text NOT NULL,
            ts timestamptz NOT NULL,
            data jsonb NOT NULL,
            PRIMARY KEY (source_id, key)
        );
        CREATE INDEX records_source_ts ON records (source_id, ts);
        """);
}
