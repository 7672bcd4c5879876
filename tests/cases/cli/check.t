dunya check: a quality suite on a file, one line per check with its observed value and threshold,
failing rows sampled; exit 1 when an error-level check fails (warn-level failures only warn).
Every check type passes here...

  $ cd quality && dunya -q check orders.csv --suite pass.yaml --now 2024-02-01T00:00:00Z
  orders_pass on orders.csv: 4 rows
    pass    row_count: 4 (expected 1 <= rows <= 4)
    pass    not_null(id): 0 (expected failing rows = 0)
    pass    missing_percent(email): 25.00% (expected missing <= 25%)
    pass    required_columns(id, amount, status): 0 (expected 0 missing columns)
    pass    unique(sku): 0 (expected failing rows = 0)
    pass    unique_combination(id, status): 0 (expected failing rows = 0)
    pass    duplicate_percent: 0.00% (expected duplicates <= 0%)
    pass    type(amount): float64 (expected float64)
    pass    regex(sku): 0 (expected failing rows = 0)
    pass    accepted_values(status): 0 (expected failing rows = 0)
    pass    range(amount): 0 (expected failing rows = 0)
    pass    start_in_january: 0 (expected failing rows = 0)
    pass    length(sku): 0 (expected failing rows = 0)
    pass    format(email): 1 (expected failing rows <= 25%)
    pass    format(start_date): 0 (expected failing rows = 0)
    pass    schema: 0 (expected 0 differences)
    pass    relationships(customer_id): 1 (expected failing rows <= 25%)
    pass    expression(end_date >= start_date): 1 (expected failing rows <= 25%)
    pass    reconcile(amount): 126.5 vs 105.5 (difference 21) (expected difference <= 22)
    pass    accuracy(amount): 1 (expected failing rows <= 50%)
    pass    freshness(updated_at): 13h (expected age <= 1d)
  21 checks: 21 passed, 0 warned, 0 failed, 0 skipped; score 100.0%

...and fails here, with the rows that broke it.

  $ cd quality && dunya -q check orders.csv --suite fail.yaml --now 2024-02-01T00:00:00Z
  orders_fail on orders.csv: 4 rows
    fail    row_count: 4 (expected rows >= 5) - 4 rows
    fail    not_null(email): 1 (expected failing rows = 0) - 1 of 4 rows (25.00%) are null
            {"_row": 3, "id": 3, "customer_id": 12, "status": "lost", "amount": -5.0, "email": null, "start_date": "2024-01-03", "end_date": "2024-01-04", "updated_at": "2024-01-30T09:00:00Z", "sku": "abc-3"}
    warn    missing_percent(email): 25.00% (expected missing <= 10%) - 1 of 4 rows are missing
    fail    required_columns(id, amount, note): 1 (expected 0 missing columns) - missing column note
    fail    unique(id): 1 (expected failing rows = 0) - 1 of 4 rows (25.00%) repeat an earlier value
            {"_row": 4, "id": 3, "customer_id": 99, "status": "paid", "amount": 20.0, "email": "c@example.com", "start_date": "2024-01-04", "end_date": null, "updated_at": "2024-01-29T00:00:00Z", "sku": "ABC-4"}
    warn    unique_combination(status): 1 (expected failing rows = 0) - 1 of 4 rows (25.00%) repeat an earlier combination
            {"_row": 4, "id": 3, "customer_id": 99, "status": "paid", "amount": 20.0, "email": "c@example.com", "start_date": "2024-01-04", "end_date": null, "updated_at": "2024-01-29T00:00:00Z", "sku": "ABC-4"}
    fail    duplicate_percent(id): 25.00% (expected duplicates <= 10%) - 1 of 4 rows are duplicates of an earlier row
    fail    type(amount): float64 (expected int64) - amount is float64, not int64
    fail    regex(sku): 1 (expected failing rows = 0) - 1 of 4 rows (25.00%) do not match
            {"_row": 3, "id": 3, "customer_id": 12, "status": "lost", "amount": -5.0, "email": null, "start_date": "2024-01-03", "end_date": "2024-01-04", "updated_at": "2024-01-30T09:00:00Z", "sku": "abc-3"}
    fail    accepted_values(status): 1 (expected failing rows = 0) - 1 of 4 rows (25.00%) hold other values
            {"_row": 3, "id": 3, "customer_id": 12, "status": "lost", "amount": -5.0, "email": null, "start_date": "2024-01-03", "end_date": "2024-01-04", "updated_at": "2024-01-30T09:00:00Z", "sku": "abc-3"}
    fail    range(amount): 2 (expected failing rows = 0) - 2 of 4 rows (50.00%) are out of range
            {"_row": 2, "id": 2, "customer_id": 11, "status": "new", "amount": 99.0, "email": "b@example", "start_date": "2024-01-02", "end_date": "2024-01-01", "updated_at": "2024-01-31T11:00:00Z", "sku": "ABC-2"}
    fail    length(email): 2 (expected failing rows = 0) - 2 of 4 rows (50.00%) have a length out of range
            {"_row": 1, "id": 1, "customer_id": 10, "status": "paid", "amount": 12.5, "email": "a@example.com", "start_date": "2024-01-01", "end_date": "2024-01-05", "updated_at": "2024-01-31T10:00:00Z", "sku": "ABC-1"}
    fail    format(email): 1 (expected failing rows = 0) - 1 of 4 rows (25.00%) are not in the format
            {"_row": 2, "id": 2, "customer_id": 11, "status": "new", "amount": 99.0, "email": "b@example", "start_date": "2024-01-02", "end_date": "2024-01-01", "updated_at": "2024-01-31T11:00:00Z", "sku": "ABC-2"}
    fail    sku_is_url: 4 (expected failing rows = 0) - 4 of 4 rows (100.00%) are not in the format
            {"_row": 1, "id": 1, "customer_id": 10, "status": "paid", "amount": 12.5, "email": "a@example.com", "start_date": "2024-01-01", "end_date": "2024-01-05", "updated_at": "2024-01-31T10:00:00Z", "sku": "ABC-1"}
    fail    schema: 7 (expected 0 differences) - unexpected column customer_id; unexpected column status; unexpected column email; unexpected column start_date; unexpected column end_date; unexpected column updated_at; unexpected column sku
    fail    relationships(customer_id): 1 (expected failing rows = 0) - 1 of 4 rows (25.00%) have no match in the other dataset
            {"_row": 4, "id": 3, "customer_id": 99, "status": "paid", "amount": 20.0, "email": "c@example.com", "start_date": "2024-01-04", "end_date": null, "updated_at": "2024-01-29T00:00:00Z", "sku": "ABC-4"}
    fail    expression(end_date >= start_date): 1 (expected failing rows = 0) - 1 of 4 rows (25.00%) break the condition
            {"_row": 2, "id": 2, "customer_id": 11, "status": "new", "amount": 99.0, "email": "b@example", "start_date": "2024-01-02", "end_date": "2024-01-01", "updated_at": "2024-01-31T11:00:00Z", "sku": "ABC-2"}
    fail    reconcile: 4 vs 3 (difference 1) (expected difference <= 0) - count of rows is 4 here and 3 in customers.csv
    fail    accuracy(amount): 2 (expected failing rows = 0) - 2 of 4 rows (50.00%) disagree with the reference
            {"_row": 2, "id": 2, "customer_id": 11, "status": "new", "amount": 99.0, "email": "b@example", "start_date": "2024-01-02", "end_date": "2024-01-01", "updated_at": "2024-01-31T11:00:00Z", "sku": "ABC-2"}
    fail    freshness(updated_at): 13h (expected age <= 12h) - the newest updated_at is 2024-01-31T11:00:00Z
  20 checks: 0 passed, 2 warned, 18 failed, 0 skipped; score 0.0%
  [1]

Timeliness: how late rows arrived after the time (or the day) they are about, and how old the
newest row is.

  $ cd quality && dunya -q check events.csv --suite timely.yaml --now 2024-01-05
  events on events.csv: 3 rows
    fail    late_by_time: 15h (expected delay <= 6h) - the latest row arrived 15h after event_time
    fail    late_by_day: 3h 30m (expected delay <= 2h) - the latest row arrived 3h 30m after event_date
    warn    freshness(event_time): 2d 16h (expected age <= 2d) - the newest event_time is 2024-01-02T08:00:00Z
  3 checks: 0 passed, 1 warned, 2 failed, 0 skipped; score 0.0%
  [1]

Only warnings: the exit code stays 0.

  $ printf 'checks:\n  - not_null: {column: email, severity: warn}\n' > $TMP/warn.yaml && dunya -q check quality/orders.csv --suite $TMP/warn.yaml
  warn on quality/orders.csv: 4 rows
    warn    not_null(email): 1 (expected failing rows = 0) - 1 of 4 rows (25.00%) are null
            {"_row": 3, "email": null}
  1 checks: 0 passed, 1 warned, 0 failed, 0 skipped; score 0.0%

The JSON report: scores per dimension, each check's value, threshold and samples.

  $ printf 'suite: s\nchecks:\n  - row_count: {min: 1}\n  - accepted_values: {column: status, values: [new, paid]}\n  - freshness: {column: updated_at, max_age: 1d, severity: warn}\n' > $TMP/j.yaml && dunya -q check quality/orders.csv --suite $TMP/j.yaml --json --now 2024-02-03
  {"suite": "s", "target": "quality/orders.csv", "at": "2024-02-03T00:00:00Z", "rows": 4, "pushdown": false, "passed": false,
   "scores": {"completeness": 100, "uniqueness": null, "validity": 0, "consistency": null, "accuracy": null, "timeliness": 0, "anomalies": null, "overall": 33.333333333333336},
   "summary": {"checks": 3, "pass": 1, "warn": 1, "fail": 1, "skipped": 0, "quarantined": 0},
   "checks": [
    {"name": "row_count", "check": "row_count", "dimension": "completeness", "severity": "error", "status": "pass", "column": null, "value": 4, "observed": "4", "threshold": "rows >= 1", "failing_rows": null, "message": "", "samples": [], "history": []},
    {"name": "accepted_values(status)", "check": "accepted_values", "dimension": "validity", "severity": "error", "status": "fail", "column": "status", "value": 1, "observed": "1", "threshold": "failing rows = 0", "failing_rows": 1, "message": "1 of 4 rows (25.00%) hold other values", "samples": [{"_row": 3, "status": "lost", "updated_at": "2024-01-30T09:00:00Z"}], "history": []},
    {"name": "freshness(updated_at)", "check": "freshness", "dimension": "timeliness", "severity": "warn", "status": "warn", "column": "updated_at", "value": 219600, "observed": "2d 13h", "threshold": "age <= 1d", "failing_rows": null, "message": "the newest updated_at is 2024-01-31T11:00:00Z", "samples": [], "history": []}
   ]}
  [1]

The HTML report is one self-contained file: no scripts, nothing fetched from elsewhere.

  $ dunya -q check quality/orders.csv --suite $TMP/j.yaml --html $TMP/r.html --report $TMP/r.json --now 2024-02-03 > /dev/null; grep -o '<svg\|<table' $TMP/r.html | sort | uniq -c | sed 's/^ *//'; grep -ci 'src=\|href=\|<script\|http' $TMP/r.html; head -c 16 $TMP/r.json; echo
  1 <table
  0
  {"suite": "s", "

Failing rows go to a quarantine file with the checks they failed; a clean run writes none.

  $ cd quality && dunya -q check orders.csv --suite fail.yaml --quarantine $TMP/bad.csv --now 2024-02-01 > /dev/null; cat $TMP/bad.csv
  id,customer_id,status,amount,email,start_date,end_date,updated_at,sku,_row,_failed_checks
  1,10,paid,12.5,a@example.com,2024-01-01,2024-01-05,2024-01-31T10:00:00Z,ABC-1,1,"length(email); sku_is_url"
  2,11,new,99.0,b@example,2024-01-02,2024-01-01,2024-01-31T11:00:00Z,ABC-2,2,"range(amount); format(email); sku_is_url; expression(end_date >= start_date); accuracy(amount)"
  3,12,lost,-5.0,,2024-01-03,2024-01-04,2024-01-30T09:00:00Z,abc-3,3,"not_null(email); regex(sku); accepted_values(status); range(amount); sku_is_url"
  3,99,paid,20.0,c@example.com,2024-01-04,,2024-01-29T00:00:00Z,ABC-4,4,"unique(id); unique_combination(status); length(email); sku_is_url; relationships(customer_id); accuracy(amount)"
  $ printf 'checks:\n  - not_null: id\n' > $TMP/clean.yaml && dunya -q check quality/orders.csv --suite $TMP/clean.yaml --quarantine $TMP/none.csv > /dev/null; ls $TMP/none.csv 2>&1 | sed "s#$TMP#TMP#"
  ls: cannot access 'TMP/none.csv': No such file or directory

`where:` limits a row-level check to the rows where a condition holds (dbt's `where`, Soda's
filter); the percentages are of those rows.

  $ dunya -q check quality/orders.csv --suite quality/where.yaml
  where on quality/orders.csv: 4 rows
    pass    not_null(email): 0 (expected failing rows = 0)
    fail    end_date_small_orders: 1 (expected failing rows = 0) - 1 of 3 rows (33.33%) are null
            {"_row": 4, "id": 3, "customer_id": 99, "status": "paid", "amount": 20.0, "email": "c@example.com", "start_date": "2024-01-04", "end_date": null}
    pass    unique(id): 0 (expected failing rows = 0)
    pass    range(amount): 1 (expected failing rows <= 50%)
    pass    accepted_values(status): 0 (expected failing rows = 0)
    fail    bad_where - no column 'nope' in quality/orders.csv
    fail    paid_small: 1 (expected failing rows = 0) - 1 of 2 rows (50.00%) are null
            {"_row": 4, "id": 3, "customer_id": 99, "status": "paid", "amount": 20.0, "email": "c@example.com", "start_date": "2024-01-04", "end_date": null}
    fail    lost_or_b: 1 (expected failing rows = 0) - 1 of 2 rows (50.00%) are out of range
            {"_row": 3, "id": 3, "customer_id": 12, "status": "lost", "amount": -5.0, "email": null, "start_date": "2024-01-03", "end_date": "2024-01-04"}
    fail    ordered_small: 1 (expected failing rows = 0) - 1 of 4 rows (25.00%) break the condition
            {"_row": 2, "id": 2, "customer_id": 11, "status": "new", "amount": 99.0, "email": "b@example", "start_date": "2024-01-02", "end_date": "2024-01-01"}
    pass    positive: 0 (expected failing rows = 0)
    pass    unknown_is_not_false: 0 (expected failing rows = 0)
  11 checks: 6 passed, 0 warned, 5 failed, 0 skipped; score 54.5%
  [1]

Formats on their edge cases: an email has one '@' after something, a dot inside its domain and
no spaces; a URL a known scheme and a host; ISO dates and timestamps are read as dunya reads
them (a day that does not exist fails).

  $ printf 'e,u,d\na@b.co,http://x.org/p?q=1,2024-02-29\n"a b@c.de",https:///nohost,2023-02-29\n@b.co,ftp://h,2024-1-5\na@.co,mailto:x@y.z,2024-01-05T10:00:00\na@b.,HTTP://UP.CASE,\na@b@c.d,s3://bucket/key,20240105\n\xc3\xbc@\xc3\xa9.de,http://a b,2024-12-31\n' > $TMP/f.csv && printf 'samples: 0\nchecks:\n  - format: {column: e, format: email}\n  - format: {column: u, format: url}\n  - format: {column: d, format: iso_date}\n  - format: {column: d, format: iso_timestamp, name: d_is_time}\n' > $TMP/f.yaml && dunya -q check $TMP/f.csv --suite $TMP/f.yaml --all-strings | sed "s#$TMP#TMP#"
  f on TMP/f.csv: 7 rows
    fail    format(e): 5 (expected failing rows = 0) - 5 of 7 rows (71.43%) are not in the format
    fail    format(u): 3 (expected failing rows = 0) - 3 of 7 rows (42.86%) are not in the format
    fail    format(d): 4 (expected failing rows = 0) - 4 of 7 rows (57.14%) are not in the format
    fail    d_is_time: 3 (expected failing rows = 0) - 3 of 7 rows (42.86%) are not in the format
  4 checks: 0 passed, 0 warned, 4 failed, 0 skipped; score 0.0%

Bad suites: every problem at file:line:column, with suggestions; exit 2.

  $ printf 'suite: bad\nchecks:\n  - not_nul: id\n  - unique: {colum: id}\n  - regex: {column: sku, pattern: "a(("}\n  - range: {column: amount, min: low}\n  - anomaly: {metric: rowcount, stddevs: 3}\n  - row_count: {}\n  - accepted_values: {column: status, values: paid, severity: fatal}\nchekcs: 1\n' > $TMP/bad.yaml && cd $TMP && dunya check $OLDPWD/quality/orders.csv --suite bad.yaml
  dunya: error: bad.yaml:3:5: unknown check 'not_nul' (did you mean 'not_null'?)
  dunya: error: bad.yaml:4:14: unknown key 'colum' in a unique check (did you mean 'column'?)
  dunya: error: bad.yaml:5:35: pattern 'a((' is not a POSIX extended regular expression: Unmatched ( or \(
  dunya: error: bad.yaml:6:34: min: 'low' is not a number, a date or a timestamp
  dunya: error: bad.yaml:7:23: metric: 'rowcount' is not row_count, missing_percent, mean, sum, min or max (did you mean 'row_count'?)
  dunya: error: bad.yaml:8:16: row_count needs min or max (or both)
  dunya: error: bad.yaml:9:47: values must be a list, e.g. [new, paid, shipped]
  dunya: error: bad.yaml:9:63: severity: 'fatal' is not warn or error
  dunya: error: bad.yaml:10:1: unknown key 'chekcs' in a suite (did you mean 'checks'?)
  [2]
  $ printf 'checks:\n  - not_null: [a\n' > $TMP/syntax.yaml && cd $TMP && dunya check $OLDPWD/quality/orders.csv --suite syntax.yaml
  dunya: error: syntax.yaml:3:1: YAML syntax error: did not find expected ',' or ']' while parsing a flow sequence
  [2]
  $ printf 'checks: []\n' > $TMP/empty.yaml && cd $TMP && dunya check $OLDPWD/quality/orders.csv --suite empty.yaml
  dunya: error: empty.yaml:1:9: a suite needs `checks:`, a list of checks
  [2]
  $ printf 'checks:\n  - unique: idd\n' > $TMP/col.yaml && dunya -q check quality/orders.csv --suite $TMP/col.yaml
  col on quality/orders.csv: 4 rows
    fail    unique(idd) - no column 'idd' in quality/orders.csv (did you mean 'id'?)
  1 checks: 0 passed, 0 warned, 1 failed, 0 skipped; score 0.0%
  [1]
  $ dunya check quality/orders.csv
  dunya: usage error: name the suite with --suite FILE (see `dunya check --help`)
  [2]
  $ cd $TMP && dunya check $OLDPWD/quality/orders.csv --suite nope.yaml
  dunya: error: cannot open nope.yaml: no such file
  [1]

A reference whose key or value column has another type: a number meets the same number written
as text (ids that are text because one is `C13`, quoted prices), and a date its text:

  $ printf 'id,name\n10,ann\n11,bob\n12,cy\nC13,dee\n' > $TMP/cust_s.csv && printf 'id,price\n1,"12.5"\n2,"99.0"\n3,"-5"\n' > $TMP/prices_q.csv && printf 'day\n"2024-01-01"\n"2024-01-02"\n"2024-01-03"\n' > $TMP/days.csv
  $ printf 'checks:\n  - relationships: {column: customer_id, to: %s/cust_s.csv, field: id}\n  - accuracy: {key: id, column: amount, reference: %s/prices_q.csv, reference_column: price}\n  - relationships: {column: start_date, to: %s/days.csv, field: day}\n' $TMP $TMP $TMP > $TMP/xtype.yaml && dunya -q check quality/orders.csv --suite $TMP/xtype.yaml --no-history
  xtype on quality/orders.csv: 4 rows
    fail    relationships(customer_id): 1 (expected failing rows = 0) - 1 of 4 rows (25.00%) have no match in the other dataset
            {"_row": 4, "id": 3, "customer_id": 99, "amount": 20.0, "start_date": "2024-01-04"}
    fail    accuracy(amount): 1 (expected failing rows = 0) - 1 of 4 rows (25.00%) disagree with the reference
            {"_row": 4, "id": 3, "customer_id": 99, "amount": 20.0, "start_date": "2024-01-04"}
    fail    relationships(start_date): 1 (expected failing rows = 0) - 1 of 4 rows (25.00%) have no match in the other dataset
            {"_row": 4, "id": 3, "customer_id": 99, "amount": 20.0, "start_date": "2024-01-04"}
  3 checks: 0 passed, 0 warned, 3 failed, 0 skipped; score 0.0%
  [1]

accepted_values on columns that are not text: values match by what they read as:

  $ printf 'code,flag,price,d\n1,True,1,2024-01-01\n2,FALSE,2.50,2024-01-02\n3,true,3,2024-01-03\n' > $TMP/av.csv && printf "checks:\n  - accepted_values: {column: flag, values: ['True','FALSE']}\n  - accepted_values: {column: price, values: ['1','2.50','3']}\n  - accepted_values: {column: d, values: ['2024-01-01', '2024-01-03']}\n" > $TMP/av.yaml && cd $TMP && dunya -q check av.csv --suite av.yaml --no-history
  av on av.csv: 3 rows
    pass    accepted_values(flag): 0 (expected failing rows = 0)
    pass    accepted_values(price): 0 (expected failing rows = 0)
    fail    accepted_values(d): 1 (expected failing rows = 0) - 1 of 3 rows (33.33%) hold other values
            {"_row": 2, "flag": false, "price": 2.5, "d": "2024-01-02"}
  3 checks: 2 passed, 0 warned, 1 failed, 0 skipped; score 66.7%
  [1]

A reference that cannot be read fails its own check; the others still run and report:

  $ printf 'checks:\n  - relationships: {column: customer_id, to: nope.csv, field: id}\n  - row_count: {min: 1}\n  - relationships: {name: rel2, column: customer_id, to: cust_s.csv, field: idd}\n' > $TMP/rf.yaml && cp quality/orders.csv $TMP/ && cd $TMP && dunya -q check orders.csv --suite rf.yaml --no-history
  rf on orders.csv: 4 rows
    fail    relationships(customer_id) - reading nope.csv: cannot open: No such file or directory
    pass    row_count: 4 (expected rows >= 1)
    fail    rel2 - cust_s.csv has no column 'idd' (did you mean 'id'?)
  3 checks: 1 passed, 0 warned, 2 failed, 0 skipped; score 33.3%
  [1]

Integer ranges compare integers, exact past 2^53 (ids of 64-bit systems), with and without
`where:`:

  $ printf 'n\n9007199254740992\n9007199254740993\n9007199254740995\n' > $TMP/n.csv && printf 'checks:\n  - range: {column: n, max: 9007199254740992}\n  - range: {name: r2, column: n, min: 9007199254740993, where: "n > 0"}\n' > $TMP/n.yaml && cd $TMP && dunya -q check n.csv --suite n.yaml --no-history
  n on n.csv: 3 rows
    fail    range(n): 2 (expected failing rows = 0) - 2 of 3 rows (66.67%) are out of range
            {"_row": 2, "n": 9007199254740993}
            {"_row": 3, "n": 9007199254740995}
    fail    r2: 1 (expected failing rows = 0) - 1 of 3 rows (33.33%) are out of range
            {"_row": 1, "n": 9007199254740992}
  2 checks: 0 passed, 0 warned, 2 failed, 0 skipped; score 0.0%
  [1]
  $ printf 'checks:\n  - expression: "n <= 9007199254740992"\n' > $TMP/e.yaml && cd $TMP && dunya -q check n.csv --suite e.yaml --no-history
  e on n.csv: 3 rows
    fail    expression(n <= 9007199254740992): 2 (expected failing rows = 0) - 2 of 3 rows (66.67%) break the condition
            {"_row": 2, "n": 9007199254740993}
            {"_row": 3, "n": 9007199254740995}
  1 checks: 0 passed, 0 warned, 1 failed, 0 skipped; score 0.0%
  [1]

What a suite reads never changes which rows it checks: a column declared with `--types` is
read (its bad values drop rows), and bytes that are not UTF-8 drop a row in any column:

  $ printf 'a,b\n1,x\n2,3\n' > $TMP/rcx.csv && printf 'checks:\n  - row_count: {min: 2}\n  - not_null: a\n' > $TMP/rc.yaml && cd $TMP && dunya -q check rcx.csv --suite rc.yaml --types b=int64 --bad-rows skip --no-history
  rc on rcx.csv: 1 rows
    fail    row_count: 1 (expected rows >= 2) - 1 rows
    pass    not_null(a): 0 (expected failing rows = 0)
  2 checks: 1 passed, 0 warned, 1 failed, 0 skipped; score 50.0%
  [1]
  $ printf 'a,b\n1,x\n2,\377\n3,y\n' > $TMP/u8.csv && cd $TMP && dunya -q check u8.csv --suite rc.yaml --bad-rows skip --no-history
  rc on u8.csv: 2 rows
    pass    row_count: 2 (expected rows >= 2)
    pass    not_null(a): 0 (expected failing rows = 0)
  2 checks: 2 passed, 0 warned, 0 failed, 0 skipped; score 100.0%

Types across a reference: a date is not the number of its day, a bool not 1, and a bool meets
`true`/`false` written as text:

  $ printf 'd\n2024-01-02\n' > $TMP/dq.csv && printf 'n\n19724\n' > $TMP/nq.csv && printf 'b\ntrue\nfalse\n' > $TMP/b2.csv && printf 't\nfalse\nyes\n' > $TMP/ref3.csv && printf 'checks:\n  - relationships: {column: d, to: nq.csv, field: n}\n' > $TMP/x1.yaml && printf 'checks:\n  - relationships: {column: b, to: ref3.csv, field: t}\n' > $TMP/x2.yaml && cd $TMP && dunya -q check dq.csv --suite x1.yaml --no-history; dunya -q check b2.csv --suite x2.yaml --no-history
  x1 on dq.csv: 1 rows
    fail    relationships(d): 1 (expected failing rows = 0) - 1 of 1 rows (100.00%) have no match in the other dataset
            {"_row": 1, "d": "2024-01-02"}
  1 checks: 0 passed, 0 warned, 1 failed, 0 skipped; score 0.0%
  x2 on b2.csv: 2 rows
    fail    relationships(b): 1 (expected failing rows = 0) - 1 of 2 rows (50.00%) have no match in the other dataset
            {"_row": 1, "b": true}
  1 checks: 0 passed, 0 warned, 1 failed, 0 skipped; score 0.0%
  [1]
