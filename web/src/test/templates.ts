/** Templates, schedules and runs as /api/v1/templates and /api/v1/schedules answer for the demo user. */

export type TemplateJson = Record<string, unknown> & { id: string; name: string };

/** The envelope the server stores for "servers, cpu_percent, last 24 hours, hourly, CSV". */
export const SERVERS_REQUEST = {
  kind: "series",
  series: {
    source: "servers",
    metrics: ["cpu_percent"],
    timeframe: { last: "24h" },
    timezone: "Europe/Berlin",
    granularity: "1h",
    shape: "long",
    format: "csv",
    filename: "{source}-{date:yyyy-MM-dd}",
  },
  format: "csv",
  compression: "none",
};

export function templateJson(overrides: Partial<TemplateJson> & { id: string }): TemplateJson {
  return {
    name: "Servers daily",
    description: "CPU of every server, hourly, for the morning report",
    request: SERVERS_REQUEST,
    version: 1,
    createdAt: "2026-11-20T08:00:00+00:00",
    updatedAt: "2026-11-20T08:00:00+00:00",
    ...overrides,
  };
}

export type ScheduleJson = Record<string, unknown> & { id: string; name: string };

/** Daily at 09:00 in Berlin, active, for template `templateId`. */
export function scheduleJson(overrides: Partial<ScheduleJson> & { id: string; templateId: string }): ScheduleJson {
  return {
    name: "Servers daily",
    cron: "0 0 9 * * ?",
    timezone: "Europe/Berlin",
    active: true,
    spec: { templateId: overrides.templateId, frequency: { every: "daily", time: "09:00" }, timezone: "Europe/Berlin", active: true },
    nextRuns: ["2026-11-23T09:00:00+01:00", "2026-11-24T09:00:00+01:00", "2026-11-25T09:00:00+01:00"],
    createdAt: "2026-11-22T08:00:00+00:00",
    updatedAt: "2026-11-22T08:00:00+00:00",
    ...overrides,
  };
}

export type RunJson = Record<string, unknown> & { id: string; status: string };

/** A manual run whose export completed. */
export function runJson(overrides: Partial<RunJson> & { id: string }): RunJson {
  return {
    trigger: "manual",
    scheduledFor: "2026-11-22T10:00:00+00:00",
    startedAt: "2026-11-22T10:00:00+00:00",
    status: "queued",
    error: null,
    exportId: "j-run",
    exportStatus: "completed",
    fileName: "servers-2026-11-22.csv",
    sizeBytes: 12_288,
    rowCount: 240,
    exportError: null,
    ...overrides,
  };
}
