import { TemplatesView } from "../../features/templates/components/TemplatesView";
import { routeHref } from "../navigation";

const scheduleHref = (template: string) => routeHref({ page: "schedules", template });

export function TemplatesPage() {
  return <TemplatesView scheduleHref={scheduleHref} />;
}
