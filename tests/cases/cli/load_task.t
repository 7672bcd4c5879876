The load task: a file into a warehouse table in one transaction, publishing the rows it wrote;
its params are checked by validate.

  $ cp -r projects/loads $TMP/p && cd $TMP/p && dunya validate
  pipelines/broken.yaml:9:13: a merge load needs 'key' (the columns to match on)
  pipelines/broken.yaml:10:17: bad_rows: 'ignore' is not fail, skip or quarantine
  2 problems in 1 file
  [1]

  $ cd $TMP/p && dunya run loads --date 2024-01-01 --parallelism 1 2>&1 | grep -vE 'queued$|running$' | sed 's/^ *[0-9.]*s  //; s/ in [0-9.]* s / in T s /'
  load    success
  report  success
  run manual__2024-01-01T00:00:00Z of loads: success in T s (2 succeeded, 0 failed, 0 skipped)

  $ cd $TMP/p && dunya sql warehouse "SELECT * FROM people ORDER BY id" --format csv && dunya sql warehouse "SELECT rows FROM reports" --format csv
  id,name,amount,day
  1,ann,1.5,"2024-01-01"
  2,bob,2.5,"2024-01-02"
  rows
  2

  $ cd $TMP/p && dunya run loads --date 2024-01-02 2>&1 | tail -1 | sed 's/ in [0-9.]* s / in T s /' && dunya sql warehouse "SELECT count(*) AS n FROM people" --format csv
  run manual__2024-01-02T00:00:00Z of loads: success in T s (2 succeeded, 0 failed, 0 skipped)
  n
  2
