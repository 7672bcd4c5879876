The quality task runs a suite inside a pipeline: its report (JSON and HTML) is written per run,
every observed value goes to the history in the metadata store, and a failing error-level check
fails the task, so what depends on it does not run. The profile task writes a profile's reports.

  $ cp -r projects/quality $TMP/p && cd $TMP/p && dunya validate
  ok: 2 pipelines, 5 tasks
  $ cd $TMP/p && for d in 01 02 03; do dunya run orders --date 2024-01-$d 2>&1 | tail -1 | sed 's/ in [0-9.]* s / in T s /'; done
  run manual__2024-01-01T00:00:00Z of orders: success in T s (3 succeeded, 0 failed, 0 skipped)
  run manual__2024-01-02T00:00:00Z of orders: success in T s (3 succeeded, 0 failed, 0 skipped)
  run manual__2024-01-03T00:00:00Z of orders: success in T s (3 succeeded, 0 failed, 0 skipped)
  $ cd $TMP/p && dunya logs orders latest check | sed "s#$TMP#TMP#"
  pass row_count: 4
  pass not_null(id): 0
  warn unique(id): 1 - 1 of 4 rows (25.00%) repeat an earlier value
  pass accepted_values(status): 0
  warn relationships(customer_id): 1 - 1 of 4 rows (25.00%) have no match in the other dataset
  pass range(amount): 0
  pass anomaly(row_count): 4
  report: TMP/p/.dunya/reports/quality/orders/check/manual__2024-01-03T00_00_00Z.html
  ::output passed=5
  ::output warned=2
  ::output failed=0
  ::output report=TMP/p/.dunya/reports/quality/orders/check/manual__2024-01-03T00_00_00Z.html

Quarantine to the lake: the failing rows of a run become one version of a dataset.

  $ cd $TMP/p && dunya run strict --date 2024-01-01 2>&1 | grep -E 'failed|upstream' | sed 's/^ *[0-9.]*s  //; s/ in [0-9.]* s / in T s /'
  check    failed: 2 error-level checks failed on data/orders.csv: not_null(email), format(email)
  publish  upstream_failed
  run manual__2024-01-01T00:00:00Z of strict: failed in T s (0 succeeded, 2 failed, 0 skipped)
  $ cd $TMP/p && dunya -q convert lake:curated/orders_rejects - --to csv
  id,customer_id,status,amount,email,start_date,end_date,updated_at,sku,_row,_failed_checks
  2,11,new,99.0,b@example,2024-01-02,2024-01-01,2024-01-31T11:00:00Z,ABC-2,2,"format(email); expression(end_date >= start_date)"
  3,12,lost,-5.0,,2024-01-03,2024-01-04,2024-01-30T09:00:00Z,abc-3,3,not_null(email)

The fourth run gets one order instead of four: the row count anomaly (more than 50% change from
the last run) is an error, so the task fails and profile and publish never run.

  $ cd $TMP/p && cp data/one_order.csv data/orders.csv && dunya run orders --date 2024-01-04 2>&1 | grep -E 'check|profile|publish|^run' | grep -vE 'queued$|running$' | sed 's/^ *[0-9.]*s  //; s/ in [0-9.]* s / in T s /'
  check    failed: 1 error-level check failed on data/orders.csv: anomaly(row_count)
  profile  upstream_failed
  publish  upstream_failed
  run manual__2024-01-04T00:00:00Z of orders: failed in T s (0 succeeded, 3 failed, 0 skipped)
  $ cd $TMP/p && dunya logs orders latest check | head -7
  pass row_count: 1
  pass not_null(id): 0
  pass unique(id): 0
  pass accepted_values(status): 0
  pass relationships(customer_id): 0
  pass range(amount): 0
  fail anomaly(row_count): 1 - changed 75.00% from 4 in the previous run

Reports: one JSON and one HTML per run, the history of each check's value in both (charts in
the page), and an index of every report.

  $ cd $TMP/p && ls .dunya/reports/quality/orders/check .dunya/reports/profile/orders/profile
  .dunya/reports/profile/orders/profile:
  manual__2024-01-01T00_00_00Z.html
  manual__2024-01-01T00_00_00Z.json
  manual__2024-01-02T00_00_00Z.html
  manual__2024-01-02T00_00_00Z.json
  manual__2024-01-03T00_00_00Z.html
  manual__2024-01-03T00_00_00Z.json
  
  .dunya/reports/quality/orders/check:
  manual__2024-01-01T00_00_00Z.html
  manual__2024-01-01T00_00_00Z.json
  manual__2024-01-02T00_00_00Z.html
  manual__2024-01-02T00_00_00Z.json
  manual__2024-01-03T00_00_00Z.html
  manual__2024-01-03T00_00_00Z.json
  manual__2024-01-04T00_00_00Z.html
  manual__2024-01-04T00_00_00Z.json
  $ cd $TMP/p && grep -o '"name": "anomaly(row_count)".*' .dunya/reports/quality/orders/check/manual__2024-01-04T00_00_00Z.json | grep -o '"history": .*'
  "history": [{"at": "2024-02-01T00:00:00Z", "value": 4}, {"at": "2024-02-01T00:00:00Z", "value": 4}, {"at": "2024-02-01T00:00:00Z", "value": 4}]}
  $ cd $TMP/p && grep -c '<polyline' .dunya/reports/quality/orders/check/manual__2024-01-04T00_00_00Z.html && grep -o '<td>manual__[^<]*</td><td>[a-z]*</td>' .dunya/reports/index.html
  1
  <td>manual__2024-01-01T00:00:00Z</td><td>strict</td>
  <td>manual__2024-01-03T00:00:00Z</td><td>profile</td>
  <td>manual__2024-01-02T00:00:00Z</td><td>profile</td>
  <td>manual__2024-01-01T00:00:00Z</td><td>profile</td>
  <td>manual__2024-01-04T00:00:00Z</td><td>orders</td>
  <td>manual__2024-01-03T00:00:00Z</td><td>orders</td>
  <td>manual__2024-01-02T00:00:00Z</td><td>orders</td>
  <td>manual__2024-01-01T00:00:00Z</td><td>orders</td>
  $ cd $TMP/p && grep -o '"rows": *[0-9]*' .dunya/reports/profile/orders/profile/manual__2024-01-03T00_00_00Z.json
  "rows":4

dunya check in a project reads and writes the same history: anomalies by standard deviations
over the last runs.

  $ cd $TMP/p && printf 'suite: amounts\nchecks:\n  - anomaly: {metric: mean, column: amount, stddevs: 2, window: 5, min_history: 3}\n' > checks/amounts.yaml && for f in a b c; do dunya -q check data/customers.csv --suite checks/amounts.yaml 2>&1 | grep anomaly; done
    fail    anomaly(mean, amount) - no column 'amount' in data/customers.csv
    fail    anomaly(mean, amount) - no column 'amount' in data/customers.csv
    fail    anomaly(mean, amount) - no column 'amount' in data/customers.csv
  $ cd $TMP/p && for i in 1 2 3 4; do printf 'id,amount\n1,10\n2,1%s\n' $i > data/am.csv; dunya -q check data/am.csv --suite checks/amounts.yaml | grep anomaly; done
    skipped anomaly(mean, amount): 10.5 (expected within 2 sd of the last 5 runs) - needs 3 earlier runs in the history to judge, has 0
    skipped anomaly(mean, amount): 11 (expected within 2 sd of the last 5 runs) - needs 3 earlier runs in the history to judge, has 1
    skipped anomaly(mean, amount): 11.5 (expected within 2 sd of the last 5 runs) - needs 3 earlier runs in the history to judge, has 2
    pass    anomaly(mean, amount): 12 (expected within 2 sd of the last 5 runs)
  $ cd $TMP/p && printf 'id,amount\n1,100\n2,120\n' > data/am.csv && dunya -q check data/am.csv --suite checks/amounts.yaml
  amounts on data/am.csv: 2 rows
    fail    anomaly(mean, amount): 110 (expected within 2 sd of the last 5 runs) - 152.98 standard deviations from the mean 11.25 of the last 4 runs
  1 checks: 0 passed, 0 warned, 1 failed, 0 skipped; score 0.0%
  [1]
  $ cd $TMP/p && dunya -q check data/am.csv --suite checks/amounts.yaml --no-history | grep anomaly
    skipped anomaly(mean, amount): 110 (expected within 2 sd of the last 5 runs) - needs 3 earlier runs in the history to judge, has 0 (no metadata store)

Problems in a quality task's suite show in dunya validate, at their place in the suite file.

  $ cd $TMP/p && printf 'checks:\n  - not_null: {columns: id}\n' > checks/orders.yaml && dunya validate
  checks/orders.yaml:2:16: unknown key 'columns' in a not_null check (did you mean 'column'?)
  1 problem in 1 file
  [1]
