// DuckDB side of dunya's Parquet interop checks (tests/parquet/interop, tests/cases/cli/parquet.t).
//
//   node tests/parquet/duckdb.mjs read FILE.parquet
//       prints the file's rows as CSV (header, then rows in file order; NULL as empty,
//       timestamps as ISO-8601 UTC, dates as YYYY-MM-DD, floats as DuckDB prints them)
//   node tests/parquet/duckdb.mjs types FILE.parquet
//       prints "name type" per column as DuckDB sees them
//   node tests/parquet/duckdb.mjs write DIR
//       writes the fixtures DIR/duckdb_{snappy,gzip,zstd,uncompressed}.parquet,
//       DIR/duckdb_types.parquet (INT32, FLOAT, ms and ns timestamps, unicode),
//       DIR/duckdb_v2.parquet (PARQUET_VERSION V2: page v2 and DELTA_* encodings) and
//       DIR/duckdb_{list,struct}.parquet (nested) with COPY ... TO (FORMAT parquet, ...).
//       The committed fixtures in tests/cases/parquet/ were made with
//       `node tests/parquet/duckdb.mjs write tests/cases/parquet` (DuckDB 1.x).
//
// Needs @duckdb/node-api, installed by `scripts/install-deps --bench` (npm ci --prefix bench).
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, '../../bench/package.json'));
let duck;
try {
  duck = await import(require.resolve('@duckdb/node-api'));
} catch (e) {
  console.error('duckdb.mjs: @duckdb/node-api is not installed; run scripts/install-deps --bench');
  process.exit(3);
}

const inst = await duck.DuckDBInstance.create(':memory:');
const con = await inst.connect();
await con.run("SET TimeZone = 'UTC'");

const q = (s) => "'" + s.replaceAll("'", "''") + "'";

// Microseconds since the epoch as dunya prints timestamps: UTC, 'Z', the fraction in
// milliseconds or microseconds only when not zero.
function isoMicros(us) {
  let s = us / 1000000n, f = us % 1000000n;
  if (f < 0n) { f += 1000000n; s -= 1n; }
  let out = new Date(Number(s) * 1000).toISOString().slice(0, 19);
  if (f !== 0n)
    out += f % 1000n === 0n ? '.' + String(f / 1000n).padStart(3, '0')
                            : '.' + String(f).padStart(6, '0');
  return out + 'Z';
}

function csvField(v) {
  if (v === null || v === undefined) return '';
  let s = String(v);
  if (/[",\n\r]/.test(s) || s === '') s = '"' + s.replaceAll('"', '""') + '"';
  return s;
}

const [cmd, arg] = process.argv.slice(2);
if (cmd === 'read') {
  // Cast every column to text in SQL so values print the way DuckDB formats them.
  const d = await con.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${q(arg)})`);
  const cols = d.getRowObjects().map((r) => [r.column_name, r.column_type]);
  const sel = cols.map(([n, t]) => {
    const id = '"' + n.replaceAll('"', '""') + '"';
    if (t.startsWith('TIMESTAMP')) return `CAST(epoch_us(${id}) AS VARCHAR) AS ${id}`;
    // dunya reads FLOAT as float64: print the double, not the shortest float text
    if (t === 'FLOAT') return `CAST(CAST(${id} AS DOUBLE) AS VARCHAR) AS ${id}`;
    return `CAST(${id} AS VARCHAR) AS ${id}`;
  });
  const r = await con.runAndReadAll(
    `SELECT ${sel.join(', ') || '*'} FROM read_parquet(${q(arg)})`);
  const ts = cols.map(([, t]) => t.startsWith('TIMESTAMP'));
  const out = [cols.map(([n]) => csvField(n)).join(',')];
  for (const row of r.getRows())
    out.push(row.map((v, i) => csvField(ts[i] && v !== null ? isoMicros(BigInt(v)) : v)).join(','));
  process.stdout.write(out.join('\n') + '\n');
} else if (cmd === 'types') {
  const d = await con.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${q(arg)})`);
  for (const r of d.getRowObjects()) console.log(`${r.column_name} ${r.column_type}`);
} else if (cmd === 'write') {
  const data = `SELECT i::BIGINT AS id,
      CASE WHEN i % 3 = 0 THEN NULL ELSE 'name ' || (i % 7) END AS name,
      CASE WHEN i % 4 = 1 THEN NULL ELSE i * 1.5 END::DOUBLE AS score,
      (i % 2 = 0) AS even,
      DATE '2024-01-01' + i::INT AS day,
      TIMESTAMP '2024-01-01 00:00:00' + INTERVAL (i) MINUTE AS at
    FROM range(0, 100) t(i)`;
  for (const c of ['snappy', 'gzip', 'zstd', 'uncompressed'])
    await con.run(`COPY (${data}) TO ${q(path.join(arg, `duckdb_${c}.parquet`))}
      (FORMAT parquet, COMPRESSION ${c})`);
  // Types DuckDB maps to other Parquet encodings: INT32, FLOAT, timestamps in ms and ns,
  // a required column, unicode and empty strings.
  await con.run(`COPY (SELECT i::INTEGER AS i32, (i / 4)::FLOAT AS f32,
      (TIMESTAMP '2024-05-06 07:08:09.123' + INTERVAL (i) SECOND)::TIMESTAMP_MS AS ms,
      (TIMESTAMP '2024-05-06 07:08:09.123456' + INTERVAL (i) SECOND)::TIMESTAMP_NS AS ns,
      CASE i % 3 WHEN 0 THEN '' WHEN 1 THEN 'héllo wörld ✓' ELSE NULL END AS s,
      (i * 10)::SMALLINT AS small
    FROM range(0, 10) t(i)) TO ${q(path.join(arg, 'duckdb_types.parquet'))}
    (FORMAT parquet, COMPRESSION snappy)`);
  // PARQUET_VERSION V2: data pages v2, DELTA_BINARY_PACKED, DELTA_LENGTH_BYTE_ARRAY,
  // BYTE_STREAM_SPLIT, and a DECIMAL in a FIXED_LEN_BYTE_ARRAY.
  await con.run(`COPY (SELECT i::BIGINT AS id,
      CASE WHEN i % 3 = 0 THEN NULL ELSE 'name ' || (i % 7) END AS name,
      CASE WHEN i % 5 = 0 THEN NULL ELSE 'uniq ' || i END AS u, i * 1.5 AS dec,
      (i % 2 = 0) AS even, (i * 7 - 1000)::INT AS i32, (i / 3)::FLOAT AS f32,
      (i / 7)::DOUBLE AS f64, DATE '2024-01-01' + i::INT AS day
    FROM range(0, 3000) t(i)) TO ${q(path.join(arg, 'duckdb_v2.parquet'))}
    (FORMAT parquet, PARQUET_VERSION V2, COMPRESSION zstd)`);
  // Nested columns, which dunya refuses with an error naming the column.
  await con.run(`COPY (SELECT 1 AS id, [1, 2] AS tags) TO ${q(path.join(arg, 'duckdb_list.parquet'))}
    (FORMAT parquet)`);
  await con.run(`COPY (SELECT 1 AS id, {'a': 1, 'b': 'x'} AS point)
    TO ${q(path.join(arg, 'duckdb_struct.parquet'))} (FORMAT parquet)`);
} else {
  console.error('usage: duckdb.mjs read FILE | types FILE | write DIR');
  process.exit(2);
}
