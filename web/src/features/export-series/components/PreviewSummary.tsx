import { formatCount } from "../../../lib/format";
import type { SeriesPreview } from "../api/preview-series";

function formatInstant(value: string | null | undefined, timeZone: string | null | undefined): string {
  if (!value) return "–";
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return value;
  try {
    return new Intl.DateTimeFormat(undefined, {
      dateStyle: "medium",
      timeStyle: "short",
      timeZone: timeZone ?? undefined,
    }).format(date);
  } catch {
    return date.toLocaleString();
  }
}

/** "Auto (15m)" when the server chose the bucket, else the granularity itself. */
export function granularityLabel(requested: string | undefined, chosen: string): string {
  return !requested || requested === "auto" ? `Auto (${chosen})` : chosen;
}

/** Tier, granularity, rows and range the server chose for a preview. */
export function PreviewSummary({ preview, requested }: { preview: SeriesPreview; requested?: string | undefined }) {
  return (
    <dl className="stats">
      <div>
        <dt>Estimated rows</dt>
        <dd>{formatCount(preview.estimatedRows)}</dd>
      </div>
      <div>
        <dt>Tier</dt>
        <dd>{preview.tier}</dd>
      </div>
      <div>
        <dt>Granularity</dt>
        <dd>{granularityLabel(requested, preview.granularity)}</dd>
      </div>
      <div>
        <dt>Range</dt>
        <dd>
          {formatInstant(preview.from, preview.timezone)} – {formatInstant(preview.to, preview.timezone)}
          {preview.timezone && <span className="muted"> ({preview.timezone})</span>}
        </dd>
      </div>
    </dl>
  );
}
