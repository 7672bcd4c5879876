dunya load and dunya sql on PostgreSQL: a throwaway server from tests/pg-server (its URL is the
first line of $TMP/pg), stopped at the end, or when the test runner exits.

  $ ../../pg-server start --owner $PPID > $TMP/pg
  $ dunya -q load warehouse/a.csv "$(head -1 $TMP/pg)" t --mode replace
  $ dunya -q load warehouse/b.csv "$(head -1 $TMP/pg)" t --mode append
  $ dunya sql "$(head -1 $TMP/pg)" "SELECT * FROM t ORDER BY id, name" --format csv
  id,name,amount,day
  1,ann,1.5,2024-01-01
  2,BOB,20.5,2024-01-02
  2,bob,2.5,2024-01-02
  3,cy,3.5,2024-01-03

  $ dunya -q load warehouse/a.csv "$(head -1 $TMP/pg)" t --mode replace
  $ dunya -q load warehouse/b.csv "$(head -1 $TMP/pg)" t --mode merge --key id
  $ dunya sql "$(head -1 $TMP/pg)" "SELECT * FROM t ORDER BY id"
  id     name    amount   day
  int64  string  float64  date
  -----  ------  -------  ----------
      1  ann         1.5  2024-01-01
      2  BOB        20.5  2024-01-02
      3  cy          3.5  2024-01-03

  $ dunya -q load warehouse/a.csv "$(head -1 $TMP/pg)" inc --mode incremental --incremental-column day
  $ dunya load warehouse/b.csv "$(head -1 $TMP/pg)" inc --mode incremental --incremental-column day 2>&1 | sed 's/^.*info  //; s/ in .* rows\/s)//'
  incremental: 1 rows into inc: read 2, loaded 2, skipped 0, quarantined 0
  incremental: 1 rows not above the watermark; day is now 2024-01-03
  $ dunya sql "$(head -1 $TMP/pg)" "SELECT id, day FROM inc ORDER BY id" --format ndjson
  {"id":1,"day":"2024-01-01"}
  {"id":2,"day":"2024-01-02"}
  {"id":3,"day":"2024-01-03"}

Errors: SQL errors carry the server's message; a wrong password is reported without the password.

  $ dunya sql "$(head -1 $TMP/pg)" "SELECT * FROM nope"
  dunya: error: SQL error: relation "nope" does not exist
  [1]
  $ dunya sql "$(head -1 $TMP/pg | sed 's/:[^:@]*@/:NotThePassword@/')" "SELECT 1" 2>&1 | sed 's/:[0-9][0-9]*/:PORT/g; s/port [0-9]*/port PORT/'
  dunya: error: cannot connect to PostgreSQL database 'dunya' at 127.0.0.1:PORT as 'dunya': connection to server at "127.0.0.1", port PORT failed: FATAL: password authentication failed for user "dunya"; check the user and password in the URL (or PGPASSWORD, .pgpass)

  $ ../../pg-server stop "$(sed -n 2p $TMP/pg)"
