The bundled example project, raw -> curated -> consumption: on SQLite by default, then on
PostgreSQL by changing the warehouse URL alone (a throwaway server from tests/pg-server).

  $ cp -r ../../../examples/quickstart $TMP/q && cd $TMP/q && rm -rf lake out .dunya *.db && dunya validate
  ok: 1 pipeline, 8 tasks, 3 models
  $ cd $TMP/q && dunya run orders --date 2024-03-05 2>&1 | tail -1 | sed 's/ in [0-9.]* s / in T s /'
  run manual__2024-03-04T23:00:00Z of orders: success in T s (8 succeeded, 0 failed, 0 skipped)
  $ cd $TMP/q && dunya -q run orders --date 2024-03-05 2>&1 | tail -1 | sed 's/ in [0-9.]* s / in T s /'
  run manual__2024-03-04T23:00:00Z__2 of orders: success in T s (8 succeeded, 0 failed, 0 skipped)
  $ cd $TMP/q && dunya sql warehouse "SELECT count(*) AS orders FROM orders" --format csv && dunya sql warehouse "SELECT * FROM customer_revenue ORDER BY customer" --format csv
  orders
  6
  customer,country,currency,orders,revenue
  Acme GmbH,DE,EUR,1,1250.5
  Initech,,USD,1,42.0
  Stark Industries,,USD,1,100000.0
  $ cd $TMP/q && dunya lake ls | cut -c1-60 && cat out/orders-2024-03-05.rejects.csv
  dataset                           version         rows  file
  consumption/customer_revenue            2            3      
  curated/orders                          2            6      
  raw/customers                           2            6      
  raw/orders                              2           12      
  line,column,reason,record
  8,52,"expected 7 fields, found 8","1006;Hooli;2024-03-04T11:11:11Z;7.5;EUR;true;extra;field"
  $ cd $TMP/q && dunya logs orders latest report | grep -v '^--'
  orders for 2024-03-05: 6 rows landed, 9 rows built by 3 models

  $ ../../pg-server start --owner $PPID > $TMP/pg
  $ cd $TMP/q && rm -rf lake .dunya && export WAREHOUSE_URL="$(head -1 $TMP/pg)" && dunya run orders --date 2024-03-05 2>&1 | tail -1 | sed "s/ in [0-9.]* s / in T s /" && dunya -q run orders --date 2024-03-05 2>&1 | tail -1 | sed 's/ in [0-9.]* s / in T s /'
  run manual__2024-03-04T23:00:00Z of orders: success in T s (8 succeeded, 0 failed, 0 skipped)
  run manual__2024-03-04T23:00:00Z__2 of orders: success in T s (8 succeeded, 0 failed, 0 skipped)
  $ cd $TMP/q && export WAREHOUSE_URL="$(head -1 $TMP/pg)" && dunya sql warehouse "SELECT count(*) AS orders FROM orders" --format csv && dunya sql warehouse "SELECT * FROM customer_revenue ORDER BY customer" --format csv
  orders
  6
  customer,country,currency,orders,revenue
  Acme GmbH,DE,EUR,1,1250.5
  Initech,,USD,1,42.0
  Stark Industries,,USD,1,100000.0
  $ cd $TMP/q && dunya -q convert lake:consumption/customer_revenue - --to csv | sort
  Acme GmbH,DE,EUR,1,1250.5
  Initech,,USD,1,42.0
  Stark Industries,,USD,1,100000.0
  customer,country,currency,orders,revenue
  $ ../../pg-server stop "$(sed -n 2p $TMP/pg)"
