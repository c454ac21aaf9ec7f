import { useState } from "react";
import { Alert, ProblemAlert } from "../../../components/ui/Alert";
import { Button } from "../../../components/ui/Button";
import { isApiError } from "../../../lib/api-client";
import { usePreviewProblem } from "../api/preview-problem";
import type { DashboardLayout } from "../api/get-dashboard";
import type { PanelFormat } from "../api/panel-export";
import { optionLabel } from "../utils/export-options";
import { panelGeometry } from "../utils/panel-geometry";
import { PanelMenu } from "./PanelMenu";
import "./DashboardPreview.css";

export interface DashboardPreviewProps {
  /** The PNG export URL with the current options: the preview is the file an export would save. */
  url: string;
  title: string;
  /** The dashboard's layout: each widget gets its panel menu (⋯) where the renderer draws it. */
  layout?: DashboardLayout;
  /** Runs a panel's export; without it the panel menus are disabled (an invalid range, an export running). */
  onPanelExport?: ((widgetId: string, title: string, format: PanelFormat) => void) | undefined;
}

type Outcome = { url: string; attempt: number; status: "loaded" | "failed" };

/** The server-rendered PNG of the dashboard, with a loading state and the server's problem when it fails. */
export function DashboardPreview({ url, title, layout, onPanelExport }: DashboardPreviewProps) {
  const [attempt, setAttempt] = useState(0);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const status = outcome?.url === url && outcome.attempt === attempt ? outcome.status : "loading";
  const problem = usePreviewProblem(status === "failed" ? url : undefined);

  return (
    <figure className="preview-figure" aria-busy={status === "loading"}>
      <div className="preview-stack">
      <div className={`preview-frame preview-${status}`}>
        <img
          key={attempt}
          src={url}
          alt={`Preview of ${title}`}
          className="preview-image"
          hidden={status === "failed"}
          onLoad={() => setOutcome({ url, attempt, status: "loaded" })}
          onError={() => setOutcome({ url, attempt, status: "failed" })}
        />
        {status === "loading" && (
          <p className="preview-busy" role="status">
            Drawing the preview…
          </p>
        )}
      </div>
      {layout && status === "loaded" && <PanelOverlay layout={layout} onPanelExport={onPanelExport} />}
      </div>
      {status === "failed" && (
        <div className="preview-error">
          {problem.isError && isApiError(problem.error) ? (
            <ProblemAlert error={problem.error} fieldLabel={optionLabel} />
          ) : (
            <Alert title="The preview could not be drawn.">
              {problem.isError && <p className="alert-detail">{problem.error.message}</p>}
            </Alert>
          )}
          <Button size="sm" onClick={() => setAttempt((value) => value + 1)}>
            Try again
          </Button>
        </div>
      )}
    </figure>
  );
}

/** A "⋯" panel menu in the top right corner of each widget as the image shows it (wide screens only: on a phone the
 * widget list below offers the same menus). */
function PanelOverlay({ layout, onPanelExport }: { layout: DashboardLayout; onPanelExport: DashboardPreviewProps["onPanelExport"] }) {
  const geometry = panelGeometry(layout);
  const percent = (value: number) => `${(value * 100).toFixed(4)}%`;
  return (
    <div className="preview-panels" style={{ aspectRatio: String(geometry.aspect) }}>
      {geometry.panels.map(({ widget, left, top, width, height }) => {
        const title = widget.title || widget.id;
        return (
          <div
            key={widget.id}
            className="preview-panel"
            style={{ left: percent(left), top: percent(top), width: percent(width), height: percent(height) }}
          >
            <PanelMenu
              widget={widget}
              name={`${title}: panel menu on the preview`}
              disabled={onPanelExport === undefined}
              onExport={(format) => onPanelExport?.(widget.id, title, format)}
            />
          </div>
        );
      })}
    </div>
  );
}
