// DuckDB side of bench/parquet/run. Prints the seconds of one SQL step (timed inside the
// process, the database already open) as JSON.
//
//   node bench/parquet/duckdb.mjs write IN OUT.parquet CODEC   COPY (SELECT * FROM IN) TO OUT;
//       IN is a .csv or .parquet file; with a .csv the CSV read is inside the timing
//   node bench/parquet/duckdb.mjs scan FILE                    min and max of every column of a
//       .parquet or .csv file (so every value is parsed / decoded, none kept)
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, '../package.json'));
const duck = await import(require.resolve('@duckdb/node-api'));
const inst = await duck.DuckDBInstance.create(':memory:');
const con = await inst.connect();
const q = (s) => "'" + s.replaceAll("'", "''") + "'";
const [cmd, a, b, c] = process.argv.slice(2);
const src = (f) => (f.endsWith('.parquet') ? `read_parquet(${q(f)})` : `read_csv(${q(f)})`);

let sql;
if (cmd === 'write') {
  sql = `COPY (SELECT * FROM ${src(a)}) TO ${q(b)} (FORMAT parquet, COMPRESSION ${c})`;
} else if (cmd === 'scan') {
  const cols = (await con.runAndReadAll(`DESCRIBE SELECT * FROM ${src(a)}`)).getRowObjects()
    .map((r) => '"' + r.column_name.replaceAll('"', '""') + '"');
  sql = 'SELECT count(*), ' + cols.map((x) => `min(${x}), max(${x})`).join(', ') +
    ` FROM ${src(a)}`;
} else {
  console.error('usage: duckdb.mjs write|scan ...');
  process.exit(2);
}
const t0 = process.hrtime.bigint();
const res = await con.runAndReadAll(sql);
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
const rows = cmd === 'scan' ? Number(res.getRows()[0][0]) : null;
const threads = Number((await con.runAndReadAll("SELECT current_setting('threads')"))
  .getRows()[0][0]);
console.log(JSON.stringify({ seconds: Number(seconds.toFixed(3)), rows, threads }));
