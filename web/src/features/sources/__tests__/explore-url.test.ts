import { describe, expect, it } from "vitest";
import type { Source } from "../api/list-sources";
import { decodeExploreState, encodeExploreState, exploreParamsOf } from "../utils/explore-url";

const servers: Source = {
  name: "servers",
  kind: "timeseries",
  metrics: [
    { name: "cpu_percent", type: "double" },
    { name: "load_avg", type: "double" },
  ],
  fields: [],
  dimensions: [
    { name: "server", values: ["web-01"] },
    { name: "region", values: ["eu-west"] },
  ],
};
const events: Source = { name: "events", kind: "records", metrics: [], fields: [], dimensions: [] };

describe("explore state in the address", () => {
  it("survives a round trip: source, metrics, range, zone, granularity, filters, group-by and aggregations", () => {
    const state = {
      timezone: "Asia/Kolkata",
      draft: {
        source: "servers",
        metrics: ["cpu_percent", "load_avg"],
        fields: [],
        timeframe: { from: "2026-11-20T00:00:00.000Z", to: "2026-11-21T00:00:00.000Z" },
        granularity: "1h" as const,
        filters: [{ id: 1, field: "region", op: "eq" as const, value: "eu-west", value2: "" }],
        groupBy: ["server"],
        aggregations: ["avg", "p95"],
      },
    };
    const params = encodeExploreState(state, servers);
    const back = decodeExploreState(exploreParamsOf(`#/?${params}`), [events, servers], "UTC");
    expect(back).toEqual(state);
  });

  it("drops what the sources do not have and falls back to defaults", () => {
    const params = new URLSearchParams({
      source: "servers",
      metrics: "cpu_percent,nope",
      last: "forever",
      granularity: "2h",
      groupBy: "server,planet",
      aggregations: "avg,bogus",
      filter: '[["planet","eq","x",""],["server","eq","web-01",""]]',
    });
    const { draft, timezone } = decodeExploreState(params, [events, servers], "Europe/Berlin");
    expect(draft.metrics).toEqual(["cpu_percent"]);
    expect(draft.timeframe).toEqual({ last: "24h" });
    expect(draft.granularity).toBe("auto");
    expect(draft.groupBy).toEqual(["server"]);
    expect(draft.aggregations).toEqual(["avg"]);
    expect(draft.filters).toEqual([{ id: 1, field: "server", op: "eq", value: "web-01", value2: "" }]);
    expect(timezone).toBe("Europe/Berlin");
  });

  it("opens the first source for an empty or unknown address, and survives a broken filter", () => {
    const { draft } = decodeExploreState(new URLSearchParams("source=gone&filter=%5B"), [events, servers], "UTC");
    expect(draft.source).toBe("events");
    expect(draft.filters).toEqual([]);
  });

  it("keeps Live on in the address only with a range that ends now", () => {
    const draft = {
      source: "servers",
      metrics: ["cpu_percent"],
      fields: [],
      timeframe: { last: "6h" },
      granularity: "auto" as const,
      filters: [],
      groupBy: [],
      aggregations: [],
    };
    const live = encodeExploreState({ timezone: "UTC", draft, live: true }, servers);
    expect(live.get("live")).toBe("1");
    expect(decodeExploreState(live, [servers], "UTC")).toEqual({ timezone: "UTC", draft, live: true });
    const fixed = { ...draft, timeframe: { from: "2026-11-20T00:00:00.000Z", to: "2026-11-21T00:00:00.000Z" } };
    expect(encodeExploreState({ timezone: "UTC", draft: fixed, live: true }, servers).has("live")).toBe(false);
    const forged = new URLSearchParams({ source: "servers", metrics: "cpu_percent", from: fixed.timeframe.from, to: fixed.timeframe.to, live: "1" });
    expect(decodeExploreState(forged, [servers], "UTC").live).toBeUndefined();
  });
});
