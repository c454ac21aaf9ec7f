import { useMemo, useSyncExternalStore } from "react";

/**
 * The pages of the signed-in app, kept in the address's fragment so Back and bookmarks work. "#/" (or no
 * fragment) is the landing page; Explore is "#/explore". Links from before the landing page existed still
 * open Explore: "#/?source=…" (a query after "#/") and any fragment that names no page.
 */
export type Route =
  | { page: "home" }
  | { page: "explore" }
  | { page: "dashboards"; dashboard?: string | undefined }
  | { page: "history" }
  | { page: "templates" }
  /** `template`: open the new-schedule form with this template chosen ("#/schedules?template=<id>"). */
  | { page: "schedules"; template?: string | undefined }
  | { page: "destinations" }
  /** `source`: that source's page ("#/sources/<name>"); the list without. */
  | { page: "sources"; source?: string | undefined };

function decode(value: string | undefined): string | undefined {
  try {
    return value ? decodeURIComponent(value) : undefined;
  } catch {
    return undefined;
  }
}

export function parseRoute(hash: string): Route {
  const [path = "", query = ""] = hash.replace(/^#\/?/, "").split("?", 2);
  const [first, second] = path.split("/");
  if (!first) return query ? { page: "explore" } : { page: "home" };
  if (first === "explore") return { page: "explore" };
  if (first === "history") return { page: "history" };
  if (first === "templates") return { page: "templates" };
  if (first === "destinations") return { page: "destinations" };
  if (first === "sources") return { page: "sources", source: decode(second) };
  if (first === "schedules") return { page: "schedules", template: new URLSearchParams(query).get("template") || undefined };
  if (first !== "dashboards") return { page: "explore" };
  return { page: "dashboards", dashboard: decode(second) };
}

export function routeHref(route: Route): string {
  switch (route.page) {
    case "home":
      return "#/";
    case "explore":
      return "#/explore";
    case "history":
      return "#/history";
    case "templates":
      return "#/templates";
    case "destinations":
      return "#/destinations";
    case "schedules":
      return route.template ? `#/schedules?${new URLSearchParams({ template: route.template })}` : "#/schedules";
    case "sources":
      return route.source ? `#/sources/${encodeURIComponent(route.source)}` : "#/sources";
    case "dashboards":
      return route.dashboard ? `#/dashboards/${encodeURIComponent(route.dashboard)}` : "#/dashboards";
  }
}

export function navigate(route: Route): void {
  window.location.hash = routeHref(route).slice(1);
}

function subscribe(onChange: () => void): () => void {
  window.addEventListener("hashchange", onChange);
  return () => window.removeEventListener("hashchange", onChange);
}

export function useRoute(): Route {
  const hash = useSyncExternalStore(subscribe, () => window.location.hash);
  return useMemo(() => parseRoute(hash), [hash]);
}

/** What each page is called in the navigation and the browser tab ("History · Exports"). */
export const PAGE_LABELS: Record<Route["page"], string> = {
  home: "Home",
  explore: "Explore",
  dashboards: "Dashboards",
  history: "History",
  templates: "Templates",
  schedules: "Schedules",
  destinations: "Destinations",
  sources: "Sources",
};
