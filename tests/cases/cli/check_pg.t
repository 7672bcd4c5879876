Checks pushed down to PostgreSQL (a throwaway server from tests/pg-server): regular expressions
and formats run in the database too; only arrival delays and references to files read rows.

  $ ../../pg-server start --owner $PPID > $TMP/pg
  $ for t in orders customers prices; do dunya -q load quality/$t.csv "$(head -1 $TMP/pg)" $t; done
  $ cd quality && dunya check "$(head -1 $TMP/pg)" --suite sql.yaml --now 2024-02-01 > $TMP/out 2>&1; echo "exit $?"; sed 's/^.*info  //; s/^\(orders_sql on orders\).*/\1/' $TMP/out
  exit 1
  2 checks read the rows of orders (not expressible in SQL on postgres): customer_in_file, arrival_delay(updated_at)
  orders_sql on orders
    fail    row_count: 4 (expected 1 <= rows <= 3) - 4 rows
    fail    not_null(email): 1 (expected failing rows = 0) - 1 of 4 rows (25.00%) are null
            {"id": 3, "customer_id": 12, "status": "lost", "amount": -5.0, "email": null, "start_date": "2024-01-03", "end_date": "2024-01-04", "updated_at": "2024-01-30T09:00:00Z", "sku": "abc-3"}
    warn    missing_percent(email): 25.00% (expected missing <= 10%) - 1 of 4 rows are missing
    fail    required_columns(id, amount, note): 1 (expected 0 missing columns) - missing column note
    fail    unique(id): 1 (expected failing rows = 0) - 1 of 4 rows (25.00%) repeat an earlier value
            {"id": 3, "customer_id": 12, "status": "lost", "amount": -5.0, "email": null, "start_date": "2024-01-03", "end_date": "2024-01-04", "updated_at": "2024-01-30T09:00:00Z", "sku": "abc-3"}
    pass    unique_combination(id, status): 0 (expected failing rows = 0)
    pass    duplicate_percent: 0.00% (expected duplicates <= 0%)
    fail    regex(sku): 1 (expected failing rows = 0) - 1 of 4 rows (25.00%) do not match
            {"id": 3, "customer_id": 12, "status": "lost", "amount": -5.0, "email": null, "start_date": "2024-01-03", "end_date": "2024-01-04", "updated_at": "2024-01-30T09:00:00Z", "sku": "abc-3"}
    fail    accepted_values(status): 1 (expected failing rows = 0) - 1 of 4 rows (25.00%) hold other values
            {"id": 3, "customer_id": 12, "status": "lost", "amount": -5.0, "email": null, "start_date": "2024-01-03", "end_date": "2024-01-04", "updated_at": "2024-01-30T09:00:00Z", "sku": "abc-3"}
    fail    range(amount): 2 (expected failing rows = 0) - 2 of 4 rows (50.00%) are out of range
            {"id": 2, "customer_id": 11, "status": "new", "amount": 99.0, "email": "b@example", "start_date": "2024-01-02", "end_date": "2024-01-01", "updated_at": "2024-01-31T11:00:00Z", "sku": "ABC-2"}
    fail    recent_start: 1 (expected failing rows = 0) - 1 of 4 rows (25.00%) are out of range
            {"id": 1, "customer_id": 10, "status": "paid", "amount": 12.5, "email": "a@example.com", "start_date": "2024-01-01", "end_date": "2024-01-05", "updated_at": "2024-01-31T10:00:00Z", "sku": "ABC-1"}
    fail    length(email): 2 (expected failing rows = 0) - 2 of 4 rows (50.00%) have a length out of range
            {"id": 1, "customer_id": 10, "status": "paid", "amount": 12.5, "email": "a@example.com", "start_date": "2024-01-01", "end_date": "2024-01-05", "updated_at": "2024-01-31T10:00:00Z", "sku": "ABC-1"}
    fail    format(email): 1 (expected failing rows = 0) - 1 of 4 rows (25.00%) are not in the format
            {"id": 2, "customer_id": 11, "status": "new", "amount": 99.0, "email": "b@example", "start_date": "2024-01-02", "end_date": "2024-01-01", "updated_at": "2024-01-31T11:00:00Z", "sku": "ABC-2"}
    fail    relationships(customer_id): 1 (expected failing rows = 0) - 1 of 4 rows (25.00%) have no match in the other dataset
            {"id": 3, "customer_id": 99, "status": "paid", "amount": 20.0, "email": "c@example.com", "start_date": "2024-01-04", "end_date": null, "updated_at": "2024-01-29T00:00:00Z", "sku": "ABC-4"}
    fail    customer_in_file: 1 (expected failing rows = 0) - 1 of 4 rows (25.00%) have no match in the other dataset
            {"_row": 4, "id": 3, "customer_id": 99, "status": "paid", "amount": 20.0, "email": "c@example.com", "start_date": "2024-01-04", "end_date": null, "updated_at": "2024-01-29T00:00:00Z", "sku": "ABC-4"}
    fail    expression(end_date >= start_date): 1 (expected failing rows = 0) - 1 of 4 rows (25.00%) break the condition
            {"id": 2, "customer_id": 11, "status": "new", "amount": 99.0, "email": "b@example", "start_date": "2024-01-02", "end_date": "2024-01-01", "updated_at": "2024-01-31T11:00:00Z", "sku": "ABC-2"}
    fail    reconcile: 4 vs 3 (difference 1) (expected difference <= 0) - count of rows is 4 here and 3 in table:customers
    fail    amounts_agree: 126.5 vs 105.5 (difference 21) (expected difference <= 10%) - sum amount is 126.5 here and 105.5 in table:prices
    fail    accuracy(amount): 1 (expected failing rows = 0) - 1 of 4 rows (25.00%) disagree with the reference
            {"id": 3, "customer_id": 99, "status": "paid", "amount": 20.0, "email": "c@example.com", "start_date": "2024-01-04", "end_date": null, "updated_at": "2024-01-29T00:00:00Z", "sku": "ABC-4"}
    fail    freshness(updated_at): 13h (expected age <= 12h) - the newest updated_at is 2024-01-31T11:00:00Z
    pass    arrival_delay(updated_at): 29d 10h (expected delay <= 30d)
    skipped anomaly(mean, amount): 31.625 (expected change <= 10%) - needs 3 earlier runs in the history to judge, has 0 (no metadata store)
  22 checks: 3 passed, 1 warned, 17 failed, 1 skipped; score 14.3%
  $ cd quality && dunya -q check "$(head -1 $TMP/pg)" --table orders --suite pass.yaml --now 2024-02-01 | tail -1
  21 checks: 21 passed, 0 warned, 0 failed, 0 skipped; score 100.0%

  $ dunya -q check "$(head -1 $TMP/pg)" --suite quality/where.yaml
  where on orders: 4 rows (checked in the database)
    pass    not_null(email): 0 (expected failing rows = 0)
    fail    end_date_small_orders: 1 (expected failing rows = 0) - 1 of 3 rows (33.33%) are null
            {"id": 3, "customer_id": 99, "status": "paid", "amount": 20.0, "email": "c@example.com", "start_date": "2024-01-04", "end_date": null, "updated_at": "2024-01-29T00:00:00Z", "sku": "ABC-4"}
    pass    unique(id): 0 (expected failing rows = 0)
    pass    range(amount): 1 (expected failing rows <= 50%)
    pass    accepted_values(status): 0 (expected failing rows = 0)
    fail    bad_where - no column 'nope' in orders
    fail    paid_small: 1 (expected failing rows = 0) - 1 of 2 rows (50.00%) are null
            {"id": 3, "customer_id": 99, "status": "paid", "amount": 20.0, "email": "c@example.com", "start_date": "2024-01-04", "end_date": null, "updated_at": "2024-01-29T00:00:00Z", "sku": "ABC-4"}
    fail    lost_or_b: 1 (expected failing rows = 0) - 1 of 2 rows (50.00%) are out of range
            {"id": 3, "customer_id": 12, "status": "lost", "amount": -5.0, "email": null, "start_date": "2024-01-03", "end_date": "2024-01-04", "updated_at": "2024-01-30T09:00:00Z", "sku": "abc-3"}
    fail    ordered_small: 1 (expected failing rows = 0) - 1 of 4 rows (25.00%) break the condition
            {"id": 2, "customer_id": 11, "status": "new", "amount": 99.0, "email": "b@example", "start_date": "2024-01-02", "end_date": "2024-01-01", "updated_at": "2024-01-31T11:00:00Z", "sku": "ABC-2"}
    pass    positive: 0 (expected failing rows = 0)
    pass    unknown_is_not_false: 0 (expected failing rows = 0)
  11 checks: 6 passed, 0 warned, 5 failed, 0 skipped; score 54.5%
  [1]

A quarantine from PostgreSQL: the failing rows are selected in the database, each with the
checks it failed; regular expressions and formats run there too, so only the check against a
file is left out.

  $ cd quality && dunya check "$(head -1 $TMP/pg)" --suite sql.yaml --now 2024-02-01 --quarantine $TMP/rejects.ndjson 2>&1 | grep -e 'quarantined' | sed 's/^.*warn  //; s/^.*info  //'
  orders: the rows failing customer_in_file are not quarantined (the check does not run in the database)
  22 checks: 3 passed, 1 warned, 17 failed, 1 skipped; score 14.3%; 4 rows quarantined
  $ cut -c1-30 $TMP/rejects.ndjson; grep -o '"_failed_checks":.*' $TMP/rejects.ndjson
  {"id":1,"customer_id":10,"stat
  {"id":2,"customer_id":11,"stat
  {"id":3,"customer_id":12,"stat
  {"id":3,"customer_id":99,"stat
  "_failed_checks":"recent_start; length(email)"}
  "_failed_checks":"range(amount); format(email); expression(end_date >= start_date)"}
  "_failed_checks":"not_null(email); unique(id); regex(sku); accepted_values(status); range(amount)"}
  "_failed_checks":"unique(id); length(email); relationships(customer_id); accuracy(amount)"}

  $ ../../pg-server stop "$(sed -n 2p $TMP/pg)"
