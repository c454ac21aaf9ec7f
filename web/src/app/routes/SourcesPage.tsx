import { SourcesView } from "../../features/sources/components/SourcesView";
import { SourceView } from "../../features/sources/components/SourceView";
import { routeHref } from "../navigation";

const sourceHref = (name: string) => routeHref({ page: "sources", source: name });
const exploreHref = (name: string) => `${routeHref({ page: "explore" })}?${new URLSearchParams({ source: name })}`;

/** "#/sources": the owner's sources; "#/sources/<name>": one source's page (its webhook sinks and stream tokens). */
export function SourcesPage({ source }: { source?: string | undefined }) {
  return source ? (
    <SourceView key={source} name={source} listHref={routeHref({ page: "sources" })} exploreHref={exploreHref} />
  ) : (
    <SourcesView sourceHref={sourceHref} exploreHref={exploreHref} />
  );
}
