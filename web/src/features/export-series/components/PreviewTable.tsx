import type { PreviewCell, SeriesPreview } from "../api/preview-series";

const NUMBER_FORMAT = new Intl.NumberFormat(undefined, { maximumFractionDigits: 4 });

function formatCell(cell: PreviewCell): string {
  if (cell === null) return "null";
  if (typeof cell === "number") return NUMBER_FORMAT.format(cell);
  return String(cell);
}

export interface PreviewTableProps {
  preview: SeriesPreview;
  caption: string;
  maxRows?: number;
}

export function PreviewTable({ preview, caption, maxRows }: PreviewTableProps) {
  const rows = maxRows === undefined ? preview.rows : preview.rows.slice(0, maxRows);
  if (preview.columns.length === 0 || rows.length === 0) {
    return <p className="empty">No rows match this request.</p>;
  }
  return (
    // The wrapper scrolls, so it takes focus to be scrollable from the keyboard.
    <div className="table-scroll" tabIndex={0} role="region" aria-label={caption}>
      <table className="table">
        <caption className="sr-only">{caption}</caption>
        <thead>
          <tr>
            {preview.columns.map((column) => (
              <th key={column.name} scope="col">
                <span>{column.name}</span>
                <span className="column-type">{column.type}</span>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row, rowIndex) => (
            <tr key={rowIndex}>
              {preview.columns.map((column, index) => {
                const cell = row[index] ?? null;
                return (
                  <td key={column.name} className={typeof cell === "number" ? "num" : cell === null ? "null" : undefined}>
                    {formatCell(cell)}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
