import { useEffect } from "react";

export const APP_NAME = "Exports";

interface Entry {
  id: number;
  title: string;
  priority: number;
}

let nextId = 0;
const entries: Entry[] = [];

function apply(): void {
  let best: Entry | undefined;
  for (const entry of entries) if (!best || entry.priority >= best.priority) best = entry;
  document.title = best ? `${best.title} · ${APP_NAME}` : APP_NAME;
}

/**
 * Names the page in the browser tab: "History · Exports". The shell sets the page's name from the route
 * (priority 0); a page may call it with a more precise title ("ops-overview · Dashboards"), which wins while
 * it is mounted because its default priority is 1. An empty title is ignored.
 */
export function usePageTitle(title: string | undefined, priority = 1): void {
  useEffect(() => {
    if (!title) return;
    const entry: Entry = { id: nextId++, title, priority };
    entries.push(entry);
    apply();
    return () => {
      const index = entries.findIndex((candidate) => candidate.id === entry.id);
      if (index >= 0) entries.splice(index, 1);
      apply();
    };
  }, [title, priority]);
}
