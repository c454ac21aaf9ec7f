// Reads an .xlsx with exceljs and prints what it sees as JSON: workbook properties, and per sheet its rows
// (values, formulas with results, dates as ISO), styles of the first cells, column widths, views, auto filter,
// conditional formatting and data validations. Any reader error exits 1.
//   node tests/readers/xlsx.mjs FILE [maxRowsPerSheet]
import ExcelJS from 'exceljs';

const file = process.argv[2];
const maxRows = Number(process.argv[3] ?? 1e9);
const cellJson = (v) => {
  if (v instanceof Date) return { date: v.toISOString() };
  if (v && typeof v === 'object' && 'formula' in v) return { formula: v.formula, result: v.result ?? null };
  if (v && typeof v === 'object' && 'richText' in v) return v.richText.map((r) => r.text).join('');
  if (v && typeof v === 'object' && 'error' in v) return { error: v.error };
  return v ?? null;
};
function rangeSize(ref) {
  const [a, b] = ref.replace(/^range:/, '').split(':');
  const rowOf = (x) => Number(x.replace(/^[A-Z]+/, ''));
  const colOf = (x) => [...x.replace(/[0-9]+$/, '')].reduce((n, ch) => n * 26 + ch.charCodeAt(0) - 64, 0);
  return (rowOf(b) - rowOf(a) + 1) * (colOf(b) - colOf(a) + 1);
}
try {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(file);
  const sheets = [];
  wb.eachSheet((ws) => {
    const rows = [];
    const styles = [];
    ws.eachRow({ includeEmpty: true }, (row, n) => {
      if (n > maxRows) return;
      const values = [];
      for (let c = 1; c <= Math.max(ws.columnCount, row.cellCount); c++) values.push(cellJson(row.getCell(c).value));
      rows.push(values);
      if (n <= 3) styles.push(Array.from({ length: ws.columnCount }, (_, i) => {
        const cell = row.getCell(i + 1);
        return { bold: !!cell.font?.bold, fill: cell.fill?.fgColor?.argb ?? null, numFmt: cell.numFmt ?? null, border: !!cell.border?.bottom, quotePrefix: !!cell.style?.quotePrefix };
      }));
    });
    sheets.push({
      name: ws.name, rowCount: ws.rowCount, columnCount: ws.columnCount, rows, styles,
      widths: (ws.columns ?? []).map((c) => c.width ?? null),
      views: ws.views, autoFilter: ws.autoFilter ?? null,
      conditionalFormattings: (ws.conditionalFormattings ?? []).map((c) => ({ ref: c.ref, types: c.rules.map((r) => r.type) })),
      // exceljs expands a validated range into one entry per cell (or keeps range keys): group equal rules.
      dataValidations: Object.values(Object.entries(ws.dataValidations?.model ?? {}).reduce((acc, [addr, rule]) => {
        const key = JSON.stringify(rule);
        const cells = addr.includes(':') ? rangeSize(addr) : 1;
        acc[key] = acc[key] ? { ...acc[key], cells: acc[key].cells + cells } : { rule, cells, first: addr.split(':')[0] };
        return acc;
      }, {})),
    });
  });
  process.stdout.write(JSON.stringify({ creator: wb.creator, title: wb.title, created: wb.created, sheets }));
} catch (e) {
  process.stderr.write(String(e?.stack ?? e));
  process.exit(1);
}
