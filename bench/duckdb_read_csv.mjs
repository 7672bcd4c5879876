// Load a CSV into an in-memory DuckDB table and report rows, seconds and peak RSS as JSON.
//
//   node bench/duckdb_read_csv.mjs FILE.csv
//
// "seconds" covers CREATE TABLE t AS SELECT * FROM read_csv(FILE) only (the database is
// already open); bench/run also times the whole process from outside.
import { DuckDBInstance } from '@duckdb/node-api';
import { readFileSync, statSync } from 'node:fs';

function vmHWM() {
  const m = readFileSync('/proc/self/status', 'utf8').match(/^VmHWM:\s+(\d+) kB/m);
  return m ? Number(m[1]) / 1024 : null;
}

const file = process.argv[2];
if (!file || process.argv.length !== 3) {
  console.error('usage: node duckdb_read_csv.mjs FILE.csv');
  process.exit(2);
}
statSync(file); // fail early with ENOENT rather than a DuckDB IO error

const instance = await DuckDBInstance.create(':memory:');
const con = await instance.connect();
const quoted = "'" + file.replaceAll("'", "''") + "'";

const t0 = process.hrtime.bigint();
await con.run(`CREATE TABLE t AS SELECT * FROM read_csv(${quoted})`);
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;

const rows = Number((await con.runAndReadAll('SELECT count(*) FROM t')).getRows()[0][0]);
const types = (await con.runAndReadAll('DESCRIBE t')).getRowObjects()
  .map((r) => `${r.column_name}:${r.column_type}`);
const meta = (await con.runAndReadAll(
  "SELECT version(), current_setting('threads')")).getRows()[0];

console.log(JSON.stringify({
  tool: 'duckdb',
  version: meta[0],
  threads: Number(meta[1]),
  file,
  rows,
  seconds: Number(seconds.toFixed(4)),
  peak_rss_mb: vmHWM(),
  columns: types,
}));
