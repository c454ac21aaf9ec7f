-- The dashboards, monitors and alerts tables as the EF migrations made them up to 0009 (only 0002_Visuals touches
-- them), before they became Marten documents. UpgradeInPlaceTests builds its "old" database from this file, not from
-- the migrations of the version under test: an edit there cannot change what the upgrade is tested against.
CREATE TABLE dashboards (
    id uuid PRIMARY KEY,
    owner_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    slug text NOT NULL,
    title text NOT NULL,
    description text NOT NULL DEFAULT '',
    layout jsonb NOT NULL,
    share_hash text NULL,
    shared_at timestamptz NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE UNIQUE INDEX dashboards_owner_slug ON dashboards (owner_id, slug);
CREATE UNIQUE INDEX dashboards_share ON dashboards (share_hash) WHERE share_hash IS NOT NULL;

CREATE TABLE monitors (
    id uuid PRIMARY KEY,
    owner_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name text NOT NULL,
    query jsonb NOT NULL,
    condition text NOT NULL,
    threshold double precision NOT NULL,
    state text NOT NULL,
    value double precision NULL,
    since timestamptz NOT NULL,
    dashboard_id uuid NULL REFERENCES dashboards (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL
);
CREATE INDEX monitors_owner ON monitors (owner_id);

CREATE TABLE alerts (
    id uuid PRIMARY KEY,
    owner_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title text NOT NULL,
    severity text NOT NULL,
    fired_at timestamptz NOT NULL,
    monitor_id uuid NULL REFERENCES monitors (id) ON DELETE SET NULL,
    targets jsonb NOT NULL,
    created_at timestamptz NOT NULL
);
CREATE INDEX alerts_owner ON alerts (owner_id, fired_at DESC);

-- The templates, template_versions and schedules tables as 0004_Schedules made them (no later migration touches
-- them), before templates became Marten event streams and schedules documents; schedule_runs (made by the
-- migrations) refers to schedules as it did then.
CREATE TABLE templates (
    id uuid PRIMARY KEY,
    owner_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name text NOT NULL,
    description text NOT NULL DEFAULT '',
    request jsonb NOT NULL,
    version int NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE UNIQUE INDEX templates_owner_name ON templates (owner_id, lower(name));

CREATE TABLE template_versions (
    template_id uuid NOT NULL REFERENCES templates (id) ON DELETE CASCADE,
    version int NOT NULL,
    name text NOT NULL,
    description text NOT NULL,
    request jsonb NOT NULL,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (template_id, version)
);

CREATE TABLE schedules (
    id uuid PRIMARY KEY,
    owner_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    template_id uuid NOT NULL REFERENCES templates (id) ON DELETE CASCADE,
    name text NOT NULL,
    spec jsonb NOT NULL,
    cron text NOT NULL,
    timezone text NOT NULL,
    active boolean NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX schedules_owner ON schedules (owner_id, created_at DESC);

ALTER TABLE schedule_runs ADD CONSTRAINT schedule_runs_schedule_id_fkey FOREIGN KEY (schedule_id) REFERENCES schedules (id) ON DELETE CASCADE;
