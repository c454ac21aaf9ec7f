/** The demo user's dashboards, as GET /api/v1/dashboards and /api/v1/dashboards/{id} answer. */
export const OPS_ID = "6f1c9c52-0b7e-4d35-9a51-3f1e2d7c8a10";
export const SERVER_ID = "0d4b7a1e-5c2f-4e8a-b6d3-9a7c1e2f3b40";
export const AGENT_ID = "a8e2c4d6-1f3b-4a5c-8e7d-2b9c0f1e3d50";

const stamps = { createdAt: "2026-11-22T04:00:00+00:00", updatedAt: "2026-11-22T04:00:00+00:00" };

export const demoDashboards = {
  dashboards: [
    { id: AGENT_ID, slug: "agent-commands", title: "Agent commands", description: "What the deployment agents ran, last 7 days", shared: false, ...stamps },
    { id: OPS_ID, slug: "ops-overview", title: "Ops overview", description: "Ten servers at a glance, last 24 hours", shared: false, ...stamps },
    { id: SERVER_ID, slug: "server-web-03", title: "Server web-03", description: "One server's metrics over a week", shared: false, ...stamps },
  ],
};

export const opsOverview = {
  ...demoDashboards.dashboards[1]!,
  layout: {
    title: "Ops overview",
    timeframe: { last: "24h" },
    timezone: "UTC",
    widgets: [
      { id: "cpu", type: "line", title: "CPU by server", x: 0, y: 0, w: 8, h: 4, query: { source: "servers", metrics: ["cpu_percent"] }, options: { unit: "%" } },
      { id: "cpu-avg", type: "stat", title: "Average CPU, all servers", x: 8, y: 0, w: 4, h: 2, query: { source: "servers", metrics: ["cpu_percent"] } },
      { id: "about", type: "text", title: "About", x: 0, y: 4, w: 4, h: 2, text: "## Ops overview" },
    ],
  },
};

/** A dashboard saved with a dark theme, Letter landscape pages and 2x pixels. */
export const serverWeb03 = {
  ...demoDashboards.dashboards[2]!,
  layout: {
    title: "Server web-03",
    timeframe: { last: "7d" },
    timezone: "UTC",
    theme: { mode: "dark", palette: ["#73bf69"] },
    page: { size: "Letter", orientation: "landscape" },
    scale: 2,
    widgets: [{ id: "cpu", type: "line", title: "CPU, web-03", x: 0, y: 0, w: 12, h: 4, query: { source: "servers" } }],
  },
};

/** A file answer of an export, with the headers the API sends. */
export function fileResponse(
  body: string,
  filename: string,
  type: string,
  extra: { pages?: number; widgets?: { id: string; status: string; message?: string | null }[] } = {},
): Response {
  const headers: Record<string, string> = {
    "Content-Type": type,
    "Content-Disposition": `attachment; filename=${filename}; filename*=UTF-8''${encodeURIComponent(filename)}`,
    "Export-Pages": String(extra.pages ?? 1),
  };
  if (extra.widgets) headers["Export-Widgets"] = JSON.stringify(extra.widgets);
  return new Response(body, { status: 200, headers });
}
