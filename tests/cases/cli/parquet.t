Parquet: convert to and from it, head, schema and count, files written by DuckDB
(tests/cases/parquet/, made by tests/parquet/duckdb.mjs), and clean errors. Interop checks that
need DuckDB itself are in tests/parquet/interop (run after scripts/install-deps --bench).

  $ dunya -q convert people.csv $TMP/p.parquet && dunya head $TMP/p.parquet
  id     name             born        height   member  joined
  int64  string           date        float64  bool    timestamp
  -----  ---------------  ----------  -------  ------  ------------------------
      1  Ada Lovelace     1815-12-10     1.65  true    2020-01-05T10:00:00Z
      2  Hopper, Grace    1906-12-09     null  false   2021-06-30T08:30:00Z
      3  Alan "Turing"    1912-06-23     1.78  true    null
      4  Edsger Dijkstra  1930-05-11     1.85  false   2022-02-02T01:02:02.500Z

  $ dunya schema $TMP/p.parquet && dunya -q count $TMP/p.parquet
  id      int64
  name    string
  born    date
  height  float64
  member  bool
  joined  timestamp
  4

Back to CSV, the same as the source read as CSV:

  $ dunya -q convert people.csv $TMP/p.csv && dunya -q convert $TMP/p.parquet - --to csv | cmp - $TMP/p.csv && echo same
  same

Page compression and row groups; reading some columns only, in the order asked:

  $ dunya -q convert people.csv $TMP/z.parquet --compression zstd --row-group-rows 3 && dunya head $TMP/z.parquet --columns joined,id
  joined                    id
  timestamp                 int64
  ------------------------  -----
  2020-01-05T10:00:00Z          1
  2021-06-30T08:30:00Z          2
  null                          3
  2022-02-02T01:02:02.500Z      4

DuckDB's INT32, FLOAT, millisecond and nanosecond timestamps, SMALLINT and unicode:

  $ dunya head ../parquet/duckdb_types.parquet -n 3
  i32    f32      ms                        ns                           s              small
  int64  float64  timestamp                 timestamp                    string         int64
  -----  -------  ------------------------  ---------------------------  -------------  -----
      0      0.0  2024-05-06T07:08:09.123Z  2024-05-06T07:08:09.123456Z                     0
      1     0.25  2024-05-06T07:08:10.123Z  2024-05-06T07:08:10.123456Z  héllo wörld ✓     10
      2      0.5  2024-05-06T07:08:11.123Z  2024-05-06T07:08:11.123456Z  null              20

Nested columns are refused by name; the other columns still read:

  $ dunya head ../parquet/duckdb_list.parquet
  dunya: error: ../parquet/duckdb_list.parquet: column 'tags' is a nested group (struct, list or map); dunya reads flat Parquet columns only (leave it out with --columns, or flatten it when writing)
  [1]

  $ dunya head ../parquet/duckdb_list.parquet --columns id
  id
  int64
  -----
      1

Parquet needs its footer first, so a pipe is refused; damaged files and unknown names are clean
errors:

  $ cp $TMP/p.parquet $TMP/in.parquet && cat $TMP/in.parquet | dunya head - --from parquet
  dunya: error: <stdin>: Parquet is read from a regular file (its footer comes first), not from a pipe or terminal; save the input to a file and read that
  [2]

  $ head -c 300 $TMP/p.parquet > $TMP/cut.parquet; cd $TMP && dunya head cut.parquet
  dunya: error: cut.parquet: not a valid Parquet file: it does not end with PAR1; the file may be truncated or damaged
  [1]

  $ cd $TMP && dunya head p.parquet --columns nope
  dunya: error: p.parquet: no column 'nope' in the file
  [1]

  $ dunya convert people.csv $TMP/x.parquet --compression lz4
  dunya: usage error: --compression takes none, snappy, gzip or zstd (see `dunya convert --help`)
  [2]

  $ cd $TMP && dunya convert $OLDPWD/people.csv x.parquet.gz
  dunya: error: x.parquet.gz: a Parquet file is not wrapped in gzip; its pages are compressed inside (choose with --compression)
  [2]
