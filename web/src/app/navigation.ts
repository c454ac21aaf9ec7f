import { useMemo, useSyncExternalStore } from "react";

/** The pages of the signed-in app, kept in the address's fragment so Back and bookmarks work. */
export type Route = { page: "explore" } | { page: "dashboards"; dashboard?: string | undefined } | { page: "history" };

export function parseRoute(hash: string): Route {
  const [first, second] = hash.replace(/^#\/?/, "").split("/");
  if (first === "history") return { page: "history" };
  if (first !== "dashboards") return { page: "explore" };
  let dashboard: string | undefined;
  try {
    dashboard = second ? decodeURIComponent(second) : undefined;
  } catch {
    dashboard = undefined;
  }
  return { page: "dashboards", dashboard };
}

export function routeHref(route: Route): string {
  if (route.page === "explore") return "#/";
  if (route.page === "history") return "#/history";
  return route.dashboard ? `#/dashboards/${encodeURIComponent(route.dashboard)}` : "#/dashboards";
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
