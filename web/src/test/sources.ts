/** GET /api/v1/sources as the demo database answers it. */
export const demoSources = {
  sources: [
    {
      name: "servers",
      kind: "timeseries",
      description: "Host metrics sampled every minute",
      metrics: [
        { name: "cpu_percent", unit: "%", type: "double" },
        { name: "memory_percent", unit: "%", type: "double" },
        { name: "load_avg", unit: null, type: "double" },
      ],
      fields: [],
      dimensions: [
        { name: "server", values: ["web-01", "web-02"] },
        { name: "region", values: ["eu-west", "us-east"] },
      ],
      extent: { from: "2026-10-23T00:00:00Z", to: "2026-11-22T00:00:00Z" },
      rowCounts: { raw: 2_592_000, hourly: 43_200, daily: 1_800 },
    },
    {
      name: "agent-commands",
      kind: "records",
      description: "Commands run by deployment agents",
      metrics: [],
      fields: [
        { name: "agent", role: "dimension", type: "string", unit: null },
        { name: "command", role: "dimension", type: "string", unit: null },
        { name: "status", role: "dimension", type: "string", unit: null },
        { name: "duration_ms", role: "measure", type: "integer", unit: "ms" },
        { name: "exit_code", role: "measure", type: "integer", unit: null },
      ],
      dimensions: [
        { name: "agent", values: ["agent-1", "agent-2"] },
        { name: "command", values: ["deploy", "restart"] },
        { name: "status", values: ["ok", "failed"] },
      ],
      extent: null,
      rowCounts: { raw: 120_000, hourly: 0, daily: 0 },
    },
  ],
};
