SQL models: a chain staging -> intermediate -> mart built in dependency order, reruns that change
nothing, an incremental model that picks up only new rows, selections with +, a failure that
skips what depends on it and keeps the old table, unknown refs, and the models task type. Times
are cut from the lines.

  $ cp -r projects/models $TMP/p && cd $TMP/p && dunya validate
  ok: 1 pipeline, 2 tasks, 5 models

  $ cd $TMP/p && dunya -q sql warehouse "CREATE TABLE raw_orders(id INTEGER, customer_id INTEGER, amount REAL, updated_at TEXT); INSERT INTO raw_orders VALUES (1, 1, 10, '2024-01-01'), (2, 2, 20, '2024-01-01'), (3, 1, 5, '2024-01-02'); CREATE TABLE raw_customers(id INTEGER, name TEXT); INSERT INTO raw_customers VALUES (1, 'ann'), (2, 'bob')"

  $ cd $TMP/p && dunya models ls
  name           materialized  depends on
  stg_customers  view          -
  stg_orders     view          -
  int_orders     table         stg_orders, stg_customers
  fct_orders     incremental   int_orders
  revenue        table         fct_orders

  $ cd $TMP/p && dunya models run --threads 1 | sed 's/ in [0-9.]* s$/ in T s/'
  stg_customers  view         ok       2 rows in T s
  stg_orders     view         ok       3 rows in T s
  int_orders     table        ok       3 rows in T s
  fct_orders     incremental  ok       3 rows in T s
  revenue        table        ok       2 rows in T s
  models: 5 succeeded, 0 failed, 0 skipped, 13 rows in T s

Running again changes nothing: the views and tables are rebuilt, the incremental model finds no
new rows.

  $ cd $TMP/p && dunya models run | sort | sed 's/ in [0-9.]* s$/ in T s/'
  fct_orders     incremental  ok       0 new rows in T s
  int_orders     table        ok       3 rows in T s
  models: 5 succeeded, 0 failed, 0 skipped, 10 rows in T s
  revenue        table        ok       2 rows in T s
  stg_customers  view         ok       2 rows in T s
  stg_orders     view         ok       3 rows in T s

  $ cd $TMP/p && dunya sql warehouse "SELECT * FROM revenue ORDER BY customer" --format csv
  customer,revenue,orders
  ann,15.0,2
  bob,20.0,1

A new order and a changed one: the incremental model inserts the new row and replaces the changed
one (unique_key), nothing is duplicated.

  $ cd $TMP/p && dunya -q sql warehouse "INSERT INTO raw_orders VALUES (4, 2, 1, '2024-01-03'); UPDATE raw_orders SET amount = 50, updated_at = '2024-01-03' WHERE id = 1"

  $ cd $TMP/p && dunya models run --threads 1 --select stg_orders+ | sed 's/ in [0-9.]* s$/ in T s/'
  stg_orders  view         ok       4 rows in T s
  int_orders  table        ok       4 rows in T s
  fct_orders  incremental  ok       2 new rows in T s
  revenue     table        ok       2 rows in T s
  models: 4 succeeded, 0 failed, 0 skipped, 12 rows in T s

  $ cd $TMP/p && dunya sql warehouse "SELECT id, customer, amount FROM fct_orders ORDER BY id" --format csv
  id,customer,amount
  1,ann,50.0
  2,bob,20.0
  3,ann,5.0
  4,bob,1.0

  $ cd $TMP/p && dunya models run --threads 1 --select +int_orders --full-refresh | sed 's/ in [0-9.]* s$/ in T s/'
  stg_customers  view         ok       2 rows in T s
  stg_orders     view         ok       4 rows in T s
  int_orders     table        ok       4 rows in T s
  models: 3 succeeded, 0 failed, 0 skipped, 10 rows in T s

  $ cd $TMP/p && dunya models run --select stg_order+
  dunya: error: --select stg_order+: no model 'stg_order' (did you mean 'stg_orders'?)
  [2]

A model that fails keeps its old table, and everything downstream of it is skipped.

  $ cd $TMP/p && sed -i 's/c.name AS customer/c.nickname AS customer/' models/intermediate/int_orders.sql && dunya models run --threads 1 | sed 's/ in [0-9.]* s$/ in T s/'
  stg_customers  view         ok       2 rows in T s
  stg_orders     view         ok       4 rows in T s
  int_orders     table        failed   sql: no such column: c.nickname
  fct_orders     incremental  skipped  (upstream int_orders failed)
  revenue        table        skipped  (upstream int_orders failed)
  models: 2 succeeded, 1 failed, 2 skipped, 6 rows in T s

  $ cd $TMP/p && dunya sql warehouse "SELECT count(*) AS n FROM int_orders" --format csv && dunya sql warehouse "SELECT name FROM sqlite_master WHERE name LIKE '%dunya%'" --format csv
  n
  4
  name

Unknown refs are reported at their file, line and column, with a suggestion; nothing is built.

  $ cd $TMP/p && printf 'SELECT *\nFROM {{ ref("stg_order") }}\n' > models/marts/bad.sql && dunya models run
  models/marts/bad.sql:2:13: unknown model 'stg_order' in ref() (did you mean 'stg_orders'?)
  1 problem: nothing was built (`dunya validate` checks the whole project)
  [1]

  $ cd $TMP/p && dunya validate
  models/marts/bad.sql:2:13: unknown model 'stg_order' in ref() (did you mean 'stg_orders'?)
  1 problem in 1 file
  [1]

The models task builds the project's models inside a pipeline run and publishes how many it
built and the rows.

  $ cd $TMP/p && rm models/marts/bad.sql && sed -i 's/c.nickname AS customer/c.name AS customer/' models/intermediate/int_orders.sql && dunya run nightly --date 2024-01-05 2>&1 | grep -E 'success|failed' | sed 's/^ *[0-9.]*s  //; s/ in [0-9.]* s / in T s /'
  seed   success
  build  success
  run manual__2024-01-05T00:00:00Z of nightly: success in T s (2 succeeded, 0 failed, 0 skipped)

  $ cd $TMP/p && dunya logs nightly latest build | sed 's/ in [0-9.]* s$/ in T s/'
  stg_orders: view, 5 rows in T s
  int_orders: table, 5 rows in T s
  fct_orders: incremental, 1 new row in T s
  revenue: table, 2 rows in T s
  models: 4 succeeded, 0 failed, 0 skipped, 13 rows
  ::output models=4
  ::output rows=13
