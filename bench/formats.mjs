// The writers alone against their peers, on the same rows in the same run:
// - Parquet: our writer (bench/Exports.Bench, rows in memory) against DuckDB's COPY ... (FORMAT parquet) from an
//   in-memory table of the same rows, per codec (lz4 is LZ4_RAW in both); time and file size. DuckDB also reads our
//   file back as a check, and both files must carry the same codec in their column chunks.
// - Excel: our writer against exceljs's streaming WorkbookWriter (bench/peers/exceljs-writer.mjs), same rows and
//   styling; time and peak RSS growth; ours again at twice the rows (past the sheet limit) to show memory stays flat.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';

const harness = 'bench/Exports.Bench/bin/Release/net10.0/Exports.Bench.dll';
const json = (cmd, args) => {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mb = (x) => `${(x / 1e6).toFixed(1)} MB`;

export async function run(tmp, runs) {
  const ROWS = 1_000_000;
  const csv = path.join(tmp, 'rows.csv');
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  const writers = [
    `| Parquet writer, ${ROWS.toLocaleString('en')} rows in memory | ours | DuckDB COPY (same rows) | time ratio | our size | DuckDB size | size ratio |`,
    '|---|---:|---:|---:|---:|---:|---:|',
  ];
  let loaded = false;
  for (const codec of ['snappy', 'zstd', 'lz4']) {
    const ours = [], theirs = [];
    let oursBytes = 0, theirsBytes = 0;
    for (let i = 0; i < runs; i++) {
      const file = path.join(tmp, `ours-${codec}.parquet`);
      const r = json('dotnet', [harness, 'parquet', String(ROWS), codec, file, ...(loaded ? [] : [csv])]);
      ours.push(r.ms); oursBytes = r.bytes;
      if (!loaded) {
        await c.run(`CREATE TABLE t AS SELECT * FROM read_csv('${csv}', header = true, columns = {'time': 'TIMESTAMPTZ', 'metric': 'VARCHAR', 'server': 'VARCHAR', 'value': 'DOUBLE'})`);
        loaded = true;
      }
      const check = (await c.runAndReadAll(`SELECT count(*)::BIGINT AS n, sum(value) AS s FROM read_parquet('${file}')`)).getRowObjectsJS()[0];
      const expect = (await c.runAndReadAll('SELECT count(*)::BIGINT AS n, sum(value) AS s FROM t')).getRowObjectsJS()[0];
      if (check.n !== expect.n || Math.abs(check.s - expect.s) > 1e-6 * Math.abs(expect.s)) throw new Error(`DuckDB reads ${check.n} rows / ${check.s} from our file, expected ${expect.n} / ${expect.s}`);
      const theirsFile = path.join(tmp, `duckdb-${codec}.parquet`);
      const t0 = performance.now();
      await c.run(`COPY t TO '${theirsFile}' (FORMAT parquet, COMPRESSION ${codec})`);
      theirs.push(performance.now() - t0);
      theirsBytes = (await import('node:fs')).statSync(theirsFile).size;
      const codecs = async (f) => (await c.runAndReadAll(`SELECT string_agg(DISTINCT compression, ',') AS k FROM parquet_metadata('${f}')`)).getRowObjectsJS()[0].k;
      const [oursCodec, theirsCodec] = [await codecs(file), await codecs(theirsFile)];
      if (oursCodec !== theirsCodec) throw new Error(`${codec}: our file is ${oursCodec}, DuckDB's is ${theirsCodec}`);
    }
    const o = median(ours), d = median(theirs);
    console.log(JSON.stringify({ codec, oursMs: o, duckMs: d, oursBytes, theirsBytes }));
    writers.push(`| ${codec} | ${(o / 1000).toFixed(2)} s | ${(d / 1000).toFixed(2)} s | **${(o / d).toFixed(2)}x** | ${mb(oursBytes)} | ${mb(theirsBytes)} | **${(oursBytes / theirsBytes).toFixed(2)}x** |`);
  }
  c.closeSync();

  const ours1 = json('dotnet', [harness, 'xlsx', String(ROWS), path.join(tmp, 'ours.xlsx')]);
  const ours2 = json('dotnet', [harness, 'xlsx', String(2 * ROWS), path.join(tmp, 'ours2.xlsx')]);
  const peer = json('node', ['bench/peers/exceljs-writer.mjs', String(ROWS), path.join(tmp, 'exceljs.xlsx')]);
  console.log(JSON.stringify({ ours1, ours2, peer }));
  const excel = [
    '| Excel writer (styled, streamed) | rows | ours | exceljs WorkbookWriter | time ratio | our peak RSS growth | exceljs peak RSS growth | our size | exceljs size |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    `| one sheet | ${ROWS.toLocaleString('en')} | ${(ours1.ms / 1000).toFixed(2)} s | ${(peer.ms / 1000).toFixed(2)} s | **${(ours1.ms / peer.ms).toFixed(2)}x** | ${mb(ours1.growth)} | ${mb(peer.growth)} | ${mb(ours1.bytes)} | ${mb(peer.bytes)} |`,
    '',
    `Twice the rows (${(2 * ROWS).toLocaleString('en')}, continuing on "Data (2)"): ${(ours2.ms / 1000).toFixed(2)} s, peak RSS growth ${mb(ours2.growth)} against ${mb(ours1.growth)} (**${(ours2.growth / ours1.growth).toFixed(2)}x**).`,
    'Our workbook also carries the Summary formulas, the Pivot values and the chart, which the exceljs peer does not write.',
  ];
  return { writers, excel };
}
