// DuckDB's SUMMARIZE over a CSV (read and summarized in one query) with seconds and peak RSS.
//
//   node bench/profile/duckdb_summarize.mjs FILE.csv
//
// "seconds" covers the SUMMARIZE query only (the database is already open); bench/profile/run
// also times the whole process from outside.
import { DuckDBInstance } from '@duckdb/node-api';
import { readFileSync, statSync } from 'node:fs';

function vmHWM() {
  const m = readFileSync('/proc/self/status', 'utf8').match(/^VmHWM:\s+(\d+) kB/m);
  return m ? Number(m[1]) / 1024 : null;
}

const file = process.argv[2];
if (!file || process.argv.length !== 3) {
  console.error('usage: node duckdb_summarize.mjs FILE.csv');
  process.exit(2);
}
statSync(file);

const instance = await DuckDBInstance.create(':memory:');
const con = await instance.connect();
const quoted = "'" + file.replaceAll("'", "''") + "'";

const t0 = process.hrtime.bigint();
const res = await con.runAndReadAll(`SUMMARIZE SELECT * FROM read_csv(${quoted})`);
const rows = res.getRowObjects();
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
const meta = (await con.runAndReadAll(
  "SELECT version(), current_setting('threads')")).getRows()[0];

console.log(JSON.stringify({
  tool: 'duckdb SUMMARIZE',
  version: meta[0],
  threads: Number(meta[1]),
  seconds: Number(seconds.toFixed(4)),
  peak_rss_mb: vmHWM(),
  columns: rows.length,
  rows: Number(rows[0].count),
}));
