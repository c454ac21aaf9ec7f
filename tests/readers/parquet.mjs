// Reads a Parquet file with two independent readers, DuckDB and hyparquet, and prints what each reports as JSON:
// rows, column types, per-chunk statistics, key-value metadata. Used by the .NET tests; any reader error exits 1.
//   node tests/readers/parquet.mjs FILE          one file, both readers
//   node tests/readers/parquet.mjs --hive GLOB   DuckDB over a Hive-partitioned folder
import fs from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';

const plain = (v) => {
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (v instanceof Date) return v.toISOString();
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
};

async function duck(path, hive) {
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  const all = async (sql) => (await c.runAndReadAll(sql)).getRowObjectsJS().map(plain);
  const src = `read_parquet('${path.replaceAll("'", "''")}'${hive ? ', hive_partitioning = true' : ''})`;
  const types = await all(`DESCRIBE SELECT * FROM ${src}`);
  const select = types.map(({ column_name: n, column_type: t }) => {
    const q = `"${n.replaceAll('"', '""')}"`;
    if (t.startsWith('TIMESTAMP')) return `epoch_us(${q}) AS ${q}`;
    if (t === 'DATE') return `CAST(${q} AS VARCHAR) AS ${q}`;
    return q;
  });
  const rows = types.length ? await all(`SELECT ${select.join(', ')} FROM ${src}`) : [];
  const out = { types: Object.fromEntries(types.map((t) => [t.column_name, t.column_type])), rows };
  if (!hive) {
    const p = `'${path.replaceAll("'", "''")}'`;
    out.file = (await all(`SELECT created_by, num_rows, num_row_groups, format_version FROM parquet_file_metadata(${p})`))[0];
    out.schema = await all(`SELECT name, type, converted_type, logical_type, repetition_type FROM parquet_schema(${p})`);
    out.chunks = await all(`SELECT row_group_id, row_group_num_rows, path_in_schema, type, stats_min_value, stats_max_value, stats_null_count, compression, encodings, total_compressed_size, total_uncompressed_size FROM parquet_metadata(${p}) ORDER BY row_group_id, column_id`);
    out.kv = Object.fromEntries((await all(`SELECT decode(key) AS k, decode(value) AS v FROM parquet_kv_metadata(${p})`)).map((r) => [r.k, r.v]));
  }
  c.closeSync();
  return out;
}

async function hyp(path) {
  const buf = fs.readFileSync(path);
  const file = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
  const meta = parquetMetadata(file);
  const rows = await parquetReadObjects({ file, compressors });
  return {
    rows: rows.map(plain),
    numRows: plain(meta.num_rows),
    createdBy: meta.created_by,
    schema: meta.schema.map((s) => plain({ name: s.name, type: s.type, repetition: s.repetition_type, converted: s.converted_type, logical: s.logical_type })),
    rowGroups: meta.row_groups.map((g) => g.columns.map((c) => plain({
      path: c.meta_data.path_in_schema.join('.'), codec: c.meta_data.codec, encodings: c.meta_data.encodings,
      min: c.meta_data.statistics?.min_value, max: c.meta_data.statistics?.max_value, nulls: c.meta_data.statistics?.null_count,
    }))),
    kv: Object.fromEntries((meta.key_value_metadata ?? []).map((kv) => [kv.key, kv.value])),
  };
}

try {
  const args = process.argv.slice(2);
  const result = args[0] === '--hive' ? { duckdb: await duck(args[1], true) } : { duckdb: await duck(args[0], false), hyparquet: await hyp(args[0]) };
  process.stdout.write(JSON.stringify(result));
} catch (e) {
  process.stderr.write(String(e?.stack ?? e));
  process.exit(1);
}
