import { describe, expect, it } from "vitest";
import { parseRoute, routeHref, type Route } from "../navigation";

describe("navigation", () => {
  it.each<[string, Route]>([
    ["", { page: "home" }],
    ["#/", { page: "home" }],
    ["#/explore", { page: "explore" }],
    ["#/explore?source=servers", { page: "explore" }],
    // Links to Explore from before the landing page keep working.
    ["#/?source=servers", { page: "explore" }],
    ["#/history", { page: "history" }],
    ["#/templates", { page: "templates" }],
    ["#/destinations", { page: "destinations" }],
    ["#/schedules", { page: "schedules", template: undefined }],
    ["#/schedules?template=0197a3f2-7c1e-7d4a-9b2e-5f3c1a0e8d21", { page: "schedules", template: "0197a3f2-7c1e-7d4a-9b2e-5f3c1a0e8d21" }],
    ["#/dashboards/ops%20overview", { page: "dashboards", dashboard: "ops overview" }],
    ["#/sources", { page: "sources", source: undefined }],
    ["#/sources/agent%20commands", { page: "sources", source: "agent commands" }],
    ["#/nowhere", { page: "explore" }],
  ])("reads %j as a route", (hash, route) => {
    expect(parseRoute(hash)).toEqual(route);
  });

  it("writes the routes it reads", () => {
    const routes: Route[] = [
      { page: "home" },
      { page: "explore" },
      { page: "templates" },
      { page: "destinations" },
      { page: "schedules" },
      { page: "schedules", template: "t 1&x" },
      { page: "dashboards", dashboard: "ops-overview" },
      { page: "sources" },
      { page: "sources", source: "rooms/2 & more" },
    ];
    for (const route of routes) expect(parseRoute(routeHref(route))).toEqual({ template: undefined, ...route });
    expect(routeHref({ page: "schedules", template: "t-1" })).toBe("#/schedules?template=t-1");
    expect(routeHref({ page: "sources", source: "rooms/2" })).toBe("#/sources/rooms%2F2");
  });
});
