The load and export tasks: a file into a warehouse table in one transaction, a query's rows to a
file written atomically, each publishing the rows it wrote; their params are checked by validate.

  $ cp -r projects/loads $TMP/p && cd $TMP/p && dunya validate
  pipelines/broken.yaml:9:13: a merge load needs 'key' (the columns to match on)
  pipelines/broken.yaml:10:17: bad_rows: 'ignore' is not fail, skip or quarantine
  2 problems in 1 file
  [1]

  $ cd $TMP/p && dunya run loads --date 2024-01-01 --parallelism 1 2>&1 | grep -vE 'queued$|running$' | sed 's/^ *[0-9.]*s  //; s/ in [0-9.]* s / in T s /'
  load    success
  report  success
  export  success
  run manual__2024-01-01T00:00:00Z of loads: success in T s (3 succeeded, 0 failed, 0 skipped)

  $ cd $TMP/p && dunya sql warehouse "SELECT * FROM people ORDER BY id" --format csv && dunya sql warehouse "SELECT rows FROM reports" --format csv
  id,name,amount,day
  1,ann,1.5,"2024-01-01"
  2,bob,2.5,"2024-01-02"
  rows
  2

  $ cd $TMP/p && dunya run loads --date 2024-01-02 2>&1 | tail -1 | sed 's/ in [0-9.]* s / in T s /' && dunya sql warehouse "SELECT count(*) AS n FROM people" --format csv
  run manual__2024-01-02T00:00:00Z of loads: success in T s (3 succeeded, 0 failed, 0 skipped)
  n
  2

  $ cd $TMP/p && cat exports/ds=2024-01-01/people.csv && dunya logs loads latest export
  name,amount
  ann,1.5
  bob,2.5
  exported 2 rows to exports/ds=2024-01-02/people.csv
  ::output rows=2

  $ cd $TMP/p && dunya -q sql warehouse people --out $TMP/people.ndjson && cat $TMP/people.ndjson
  {"id":1,"name":"ann","amount":1.5,"day":"2024-01-01"}
  {"id":2,"name":"bob","amount":2.5,"day":"2024-01-02"}

  $ cd $TMP/p && dunya sql warehouse "DELETE FROM reports" --out $TMP/none.csv; ls $TMP/none.csv 2>&1 | sed "s#$TMP#TMP#"
  dunya: error: the query returns no columns to export (the last statement must be a SELECT)
  ls: cannot access 'TMP/none.csv': No such file or directory
