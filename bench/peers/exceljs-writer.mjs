// The Excel peer: exceljs's streaming WorkbookWriter writing the same rows as the bench harness (bench/Exports.Bench),
// with the same styling: bold white-on-blue header, date and number formats, thin borders, banded rows, fitted
// widths, auto filter, frozen header; a new sheet past Excel's row limit.
//   node bench/peers/exceljs-writer.mjs ROWS OUT.xlsx   → prints {"ms","bytes","growth","rows"}
import fs from 'node:fs';
import ExcelJS from 'exceljs';

const rows = Number(process.argv[2]);
const out = process.argv[3];
const metrics = ['cpu_percent', 'disk_percent', 'load_avg', 'memory_percent', 'net_in_mbps'];
const servers = Array.from({ length: 10 }, (_, i) => `${i < 5 ? 'web' : 'db'}-${String(i + 1).padStart(2, '0')}`);
const t0 = Date.UTC(2026, 9, 1);
function at(i) {
  const perSeries = Math.max(1, Math.floor(rows / 50));
  const s = Math.min(49, Math.floor(i / perSeries));
  const k = i - s * perSeries;
  const x = Number((BigInt(i) * 2654435761n) & 0xffffffffn);
  const v = Math.round((40 + 30 * Math.sin(k / 240 + s) + (x % 1000) / 100) * 100) / 100;
  return [new Date(t0 + k * 60000), metrics[Math.floor(s / 10)], servers[s % 10], v];
}
const status = (field) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(fs.readFileSync('/proc/self/status', 'utf8'))[1]) * 1024;

const border = { style: 'thin', color: { argb: 'FFD9D9D9' } };
const borders = { top: border, left: border, bottom: border, right: border };
const band = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFF2F5F9' } };
const limit = 1048575;

global.gc?.();
const baseline = status('VmRSS');
const start = performance.now();
const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: out, useStyles: true, useSharedStrings: false });
wb.creator = 'bench';
let ws;
let sheetRows = 0;
const newSheet = (n) => {
  ws = wb.addWorksheet(n === 1 ? 'Data' : `Data (${n})`, { views: [{ state: 'frozen', ySplit: 1 }] });
  ws.columns = [
    { header: 'time', key: 'time', width: 22, style: { numFmt: 'yyyy-mm-dd hh:mm:ss', border: borders } },
    { header: 'metric', key: 'metric', width: 17, style: { border: borders } },
    { header: 'server', key: 'server', width: 10, style: { border: borders } },
    { header: 'value', key: 'value', width: 13, style: { numFmt: '#,##0.00', border: borders } },
  ];
  ws.autoFilter = 'A1:D1';
  const header = ws.getRow(1);
  header.font = { bold: true, color: { argb: 'FFFFFFFF' } };
  header.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FF1F4E79' } };
  header.commit();
  sheetRows = 0;
};
let sheets = 1;
newSheet(1);
for (let i = 0; i < rows; i++) {
  if (sheetRows === limit) { ws.commit(); newSheet(++sheets); }
  const row = ws.addRow(at(i));
  if (sheetRows % 2 === 1) row.fill = band;
  row.commit();
  sheetRows++;
}
ws.commit();
await wb.commit();
const ms = performance.now() - start;
console.log(JSON.stringify({ ms, bytes: fs.statSync(out).size, growth: Math.max(0, status('VmHWM') - baseline), rows }));
