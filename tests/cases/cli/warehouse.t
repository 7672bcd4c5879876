dunya load: a CSV into a SQLite warehouse in each mode; dunya sql reads the results back.

  $ dunya -q load warehouse/a.csv sqlite://$TMP/w.db t
  $ dunya -q load warehouse/b.csv sqlite://$TMP/w.db t --mode append
  $ dunya sql sqlite://$TMP/w.db "SELECT * FROM t ORDER BY id, name" --format csv
  id,name,amount,day
  1,ann,1.5,"2024-01-01"
  2,BOB,20.5,"2024-01-02"
  2,bob,2.5,"2024-01-02"
  3,cy,3.5,"2024-01-03"

  $ dunya -q load warehouse/a.csv sqlite://$TMP/w.db t --mode replace
  $ dunya sql sqlite://$TMP/w.db "SELECT count(*) AS n FROM t" --format csv
  n
  2

  $ dunya -q load warehouse/b.csv sqlite://$TMP/w.db t --mode merge --key id
  $ dunya sql sqlite://$TMP/w.db "SELECT * FROM t ORDER BY id" --format csv
  id,name,amount,day
  1,ann,1.5,"2024-01-01"
  2,BOB,20.5,"2024-01-02"
  3,cy,3.5,"2024-01-03"

  $ dunya -q load warehouse/a.csv sqlite://$TMP/w.db inc --mode incremental --incremental-column day
  $ dunya load warehouse/b.csv sqlite://$TMP/w.db inc --mode incremental --incremental-column day 2>&1 | sed 's/^.*info  //; s/ in .* rows\/s)//'
  incremental: 1 rows into inc: read 2, loaded 2, skipped 0, quarantined 0
  incremental: 1 rows not above the watermark; day is now 2024-01-03
  $ dunya sql sqlite://$TMP/w.db "SELECT id, day FROM inc ORDER BY id" --format ndjson
  {"id":1,"day":"2024-01-01"}
  {"id":2,"day":"2024-01-02"}
  {"id":3,"day":"2024-01-03"}

  $ dunya sql sqlite://$TMP/w.db "SELECT id, name FROM t WHERE id < 3 ORDER BY id"
  id     name
  int64  string
  -----  ------
      1  ann
      2  BOB

Errors: a missing table, bad SQL, an unknown URL scheme, merge without keys.

  $ dunya sql sqlite://$TMP/w.db "SELECT * FROM nope"
  dunya: error: SQL error: no such table: nope
  [1]
  $ dunya sql mysql://u:pw@h/db "SELECT 1"
  dunya: error: 'mysql://' is not a warehouse URL; use sqlite:///abs/path.db, sqlite://relative.db or postgres://user@host/db
  [1]
  $ dunya load warehouse/a.csv sqlite://$TMP/w.db t --mode merge
  dunya: error: loading t: merge needs key columns (--key COL,...) to match rows on
  [1]
