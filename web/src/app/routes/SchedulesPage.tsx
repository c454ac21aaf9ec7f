import { SchedulesView } from "../../features/schedules/components/SchedulesView";
import { routeHref } from "../navigation";

const TEMPLATES_HREF = routeHref({ page: "templates" });
const DESTINATIONS_HREF = routeHref({ page: "destinations" });

/** `template` (from "#/schedules?template=<id>") opens the new-schedule form with that template chosen. */
export function SchedulesPage({ template }: { template?: string | undefined }) {
  // A new address means a new form: remount rather than carry the previous one's state.
  return (
    <SchedulesView key={template ?? ""} template={template} templatesHref={TEMPLATES_HREF} destinationsHref={DESTINATIONS_HREF} />
  );
}
