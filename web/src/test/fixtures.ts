import type { ExportQuery } from "../lib/export-request";

/** A time series query as the Explore page builds it. */
export const serversQuery: ExportQuery = {
  source: "servers",
  metrics: ["cpu_percent"],
  timeframe: { last: "24h" },
  timezone: "Europe/Berlin",
  granularity: "1h",
  filter: { field: "region", op: "eq", value: "eu-west" },
};

/** A preview answer in the wide shape: time, server, one column per metric. */
export const serversPreview = {
  columns: [
    { name: "time", type: "timestamp" },
    { name: "server", type: "string" },
    { name: "cpu_percent", type: "double" },
  ],
  rows: [
    ["2026-11-21T10:00:00Z", "web-01", 41.5],
    ["2026-11-21T10:00:00Z", "web-02", 37.25],
    ["2026-11-21T11:00:00Z", "web-01", 44],
    ["2026-11-21T11:00:00Z", "web-02", null],
  ],
  estimatedRows: 48,
  estimatedBytes: { csv: 2_048, tsv: 2_000, json: 5_120, jsonl: 4_800, parquet: 900, xlsx: 9_216, markdown: 2_600, html: 6_144, txt: 2_900 },
  tier: "hourly",
  granularity: "1h",
  from: "2026-11-21T10:00:00Z",
  to: "2026-11-22T10:00:00Z",
  timezone: "Europe/Berlin",
};
