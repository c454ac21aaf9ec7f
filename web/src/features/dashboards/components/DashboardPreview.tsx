import { useState } from "react";
import { Alert, ProblemAlert } from "../../../components/ui/Alert";
import { Button } from "../../../components/ui/Button";
import { isApiError } from "../../../lib/api-client";
import { usePreviewProblem } from "../api/preview-problem";
import { optionLabel } from "../utils/export-options";

export interface DashboardPreviewProps {
  /** The PNG export URL with the current options: the preview is the file an export would save. */
  url: string;
  title: string;
}

type Outcome = { url: string; attempt: number; status: "loaded" | "failed" };

/** The server-rendered PNG of the dashboard, with a loading state and the server's problem when it fails. */
export function DashboardPreview({ url, title }: DashboardPreviewProps) {
  const [attempt, setAttempt] = useState(0);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const status = outcome?.url === url && outcome.attempt === attempt ? outcome.status : "loading";
  const problem = usePreviewProblem(status === "failed" ? url : undefined);

  return (
    <figure className="preview-figure" aria-busy={status === "loading"}>
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
