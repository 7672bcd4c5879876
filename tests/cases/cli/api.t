Extracting records from REST and GraphQL APIs into the lake (extract.api). A test server
(tests/extract/api_server.py, standard-library python3 on 127.0.0.1) paginates in every style,
asks for auth, limits the rate, fails on purpose, and logs every request, so the cases below
check the exact requests dunya made. Ports and times are cut from the output.

  $ cp -r projects/api $TMP/p && (python3 ../../extract/api_server.py $TMP/req.log $TMP/port > $TMP/srv.out 2>&1 & echo $! > $TMP/srv.pid) && for i in $(seq 100); do test -f $TMP/port && break; sleep 0.1; done && echo "API=http://127.0.0.1:$(cat $TMP/port)" >> $TMP/p/.env && cd $TMP/p && dunya validate
  ok: 10 pipelines, 25 tasks

Every pagination style: page numbers until an empty page, offsets until a short page, a cursor
until there is none, Link headers until there is no rel="next", GraphQL pageInfo.

  $ cd $TMP/p && dunya run pages --date 2024-01-01 --parallelism 1 2>&1 | grep -v 'queued\|running' | sed 's/^ *[0-9.]*s  //; s/ in [0-9.]* s / in T s /'
  page     success
  offset   success
  cursor   success
  link     success
  graphql  success
  run manual__2024-01-01T00:00:00Z of pages: success in T s (5 succeeded, 0 failed, 0 skipped)
  $ cd $TMP/p && for t in page offset cursor link graphql; do dunya logs pages latest $t | grep -v '^--' | sed 's/:[0-9][0-9]*\//:PORT\//'; done
  page 1: GET http://127.0.0.1:PORT/page?page=1: HTTP 200, 2 records
  page 2: GET http://127.0.0.1:PORT/page?page=2: HTTP 200, 2 records
  page 3: GET http://127.0.0.1:PORT/page?page=3: HTTP 200, 2 records
  page 4: GET http://127.0.0.1:PORT/page?page=4: HTTP 200, 0 records
  wrote 6 records from 4 pages to raw/page version 1
  ::output rows=6
  ::output pages=4
  ::output version=1
  page 1: GET http://127.0.0.1:PORT/offset?offset=0&limit=2: HTTP 200, 2 records
  page 2: GET http://127.0.0.1:PORT/offset?offset=2&limit=2: HTTP 200, 2 records
  page 3: GET http://127.0.0.1:PORT/offset?offset=4&limit=2: HTTP 200, 1 record
  wrote 5 records from 3 pages to raw/offset version 1
  ::output rows=5
  ::output pages=3
  ::output version=1
  page 1: GET http://127.0.0.1:PORT/cursor?sort=id: HTTP 200, 1 record
  page 2: GET http://127.0.0.1:PORT/cursor?sort=id&cursor=c2: HTTP 200, 1 record
  page 3: GET http://127.0.0.1:PORT/cursor?sort=id&cursor=c3: HTTP 200, 1 record
  wrote 3 records from 3 pages to raw/cursor version 1
  ::output rows=3
  ::output pages=3
  ::output version=1
  page 1: GET http://127.0.0.1:PORT/link: HTTP 200, 1 record
  page 2: GET http://127.0.0.1:PORT/link?p=2: HTTP 200, 1 record
  page 3: GET http://127.0.0.1:PORT/link?p=3: HTTP 200, 1 record
  wrote 3 records from 3 pages to raw/link version 1
  ::output rows=3
  ::output pages=3
  ::output version=1
  page 1: POST http://127.0.0.1:PORT/graphql: HTTP 200, 1 record
  page 2: POST http://127.0.0.1:PORT/graphql: HTTP 200, 1 record
  wrote 2 records from 2 pages to raw/graphql version 1
  ::output rows=2
  ::output pages=2
  ::output version=1
  $ python3 ../../extract/api_log.py $TMP/req.log /graphql
  POST /graphql {"query":"query($first: Int, $after: String) { things(first:
  POST /graphql {"query":"query($first: Int, $after: String) { things(first:
  $ python3 ../../extract/api_log.py --vars $TMP/req.log
  {'first': 1, 'day': '2024-01-01'}
  {'first': 1, 'day': '2024-01-01', 'after': 'cur1'}

Records are flattened like the JSON reader does: nested objects become dotted columns, arrays
stay JSON text; the link task's partition is there too.

  $ cd $TMP/p && dunya -q head lake:raw/link -n 2
  id     name    updated_at            meta.owner.name  meta.tags  ds
  int64  string  timestamp             string           string     date
  -----  ------  --------------------  ---------------  ---------  ----------
      1  item1   2024-01-01T00:00:00Z  ann              ["a","b"]  2024-01-01
      2  item2   2024-01-02T00:00:00Z  ann              ["a","b"]  2024-01-01

Auth: bearer, basic, an API key in a header or in the query, and OAuth2 client credentials (the
token is fetched once, and again once after a 401, then reused for every page).

  $ cd $TMP/p && dunya run auth --date 2024-01-01 --parallelism 1 2>&1 | grep -v 'queued\|running' | sed 's/^ *[0-9.]*s  //; s/ in [0-9.]* s / in T s /'
  bearer      success
  basic       success
  header_key  success
  query_key   success
  oauth       success
  run manual__2024-01-01T00:00:00Z of auth: success in T s (5 succeeded, 0 failed, 0 skipped)
  $ python3 ../../extract/api_log.py $TMP/req.log /bearer && python3 ../../extract/api_log.py $TMP/req.log /basic && python3 ../../extract/api_log.py $TMP/req.log /header_key && python3 ../../extract/api_log.py $TMP/req.log /query_key
  GET /bearer Bearer s3cret-token
  GET /basic Basic YW5uOmh1bnRlcjIy
  GET /header_key k3y-value
  GET /query_key?api_key=k3y-value
  $ python3 ../../extract/api_log.py $TMP/req.log /oauth
  POST /oauth/token grant_type=client_credentials&client_id=dunya&client_secret=
  GET /oauth/items?page=1&revoke=1 Bearer tok1
  POST /oauth/token grant_type=client_credentials&client_id=dunya&client_secret=
  GET /oauth/items?page=1&revoke=1 Bearer tok2
  GET /oauth/items?page=2&revoke=1 Bearer tok2
  GET /oauth/items?page=3&revoke=1 Bearer tok2
  $ cd $TMP/p && dunya logs auth latest oauth | grep -v '^--' | sed 's/:[0-9][0-9]*\//:PORT\//'
  oauth2: got a token from http://127.0.0.1:PORT/oauth/token (expires in 3600 s)
  http://127.0.0.1:PORT/oauth/items?revoke=1&page=1 (page 1): HTTP 401; getting a new token
  oauth2: got a token from http://127.0.0.1:PORT/oauth/token (expires in 3600 s)
  page 1: GET http://127.0.0.1:PORT/oauth/items?revoke=1&page=1: HTTP 200, 1 record
  page 2: GET http://127.0.0.1:PORT/oauth/items?revoke=1&page=2: HTTP 200, 1 record
  page 3: GET http://127.0.0.1:PORT/oauth/items?revoke=1&page=3: HTTP 200, 0 records
  wrote 2 records from 3 pages to raw/oauth version 1
  ::output rows=2
  ::output pages=3
  ::output version=1

No secret shows in any log, error or the metadata store, even one substituted into the URL.

  $ cd $TMP/p && dunya run badauth --date 2024-01-01 2>&1 | grep failed | grep -v ^run | sed 's/^ *[0-9.]*s  //; s/:[0-9][0-9]*\//:PORT\//'
  wrong  failed: http://127.0.0.1:PORT/bearer?token=*** (page 1): the server answered HTTP 401 (check the credentials)
  $ cd $TMP/p && grep -rl -e s3cret-token -e hunter22 -e k3y -e cl1ent-secret -e tok1 -e tok2 .dunya lake | wc -l
  0

Rate limits: 5/s keeps requests at least 0.2 s apart; 429 answers are waited out as
Retry-After (seconds or an HTTP date) or X-RateLimit-Reset say; 500s are retried with backoff.

  $ cd $TMP/p && : > $TMP/req.log && dunya run limits --date 2024-01-01 2>&1 | grep -v 'queued\|running' | sed 's/^ *[0-9.]*s  //; s/ in [0-9.]* s / in T s /'
  rated    success
  seconds  success
  date     success
  reset    success
  flaky    success
  run manual__2024-01-01T00:00:00Z of limits: success in T s (5 succeeded, 0 failed, 0 skipped)
  $ python3 ../../extract/api_log.py --limits $TMP/req.log
  4 requests to /page, smallest gap >= 0.19 s: True
  a 2 requests, waited >= 0.9 s: True
  b 2 requests, waited >= 0.9 s: True
  c 2 requests, waited >= 0.9 s: True
  3 requests to /flaky
  $ cd $TMP/p && dunya logs limits latest flaky | grep -v '^--' | sed 's/:[0-9][0-9]*\//:PORT\//; s/in [0-9.]* s$/in T s/'
  http://127.0.0.1:PORT/flaky?k=f&fails=2 (page 1): HTTP 500; retry 1 of 3 in T s
  http://127.0.0.1:PORT/flaky?k=f&fails=2 (page 1): HTTP 500; retry 2 of 3 in T s
  page 1: GET http://127.0.0.1:PORT/flaky?k=f&fails=2: HTTP 200, 1 record
  wrote 1 records from 1 pages to raw/flaky version 1
  ::output rows=1
  ::output pages=1
  ::output version=1

Bad responses fail the task with the URL (its API key redacted, URL-encoded too) and the page;
nothing lands.
Retries stop at the limit (2 retries = 3 requests).

  $ cd $TMP/p && : > $TMP/req.log && for x in malformed html notarray:data.items empty_object truncated loop always500 nosuch; do dunya run broken --date 2024-01-01 --param path=${x%%:*} --param records=$(echo $x | grep -o ':.*' | tr -d :) 2>&1 | grep failed | grep -v '^run' | sed 's/^ *[0-9.]*s  //; s/:[0-9][0-9]*\//:PORT\//'; done
  fetch  failed: http://127.0.0.1:PORT/malformed?api_key=*** (page 1): the response is not valid JSON (line 1, column 23: expected ',' or '}')
  fetch  failed: http://127.0.0.1:PORT/html?api_key=*** (page 1): the response is HTML, not JSON (Content-Type text/html; charset=utf-8; check the URL)
  fetch  failed: http://127.0.0.1:PORT/notarray?api_key=*** (page 1): the records path 'data.items' holds an object, not an array
  fetch  failed: http://127.0.0.1:PORT/empty_object?api_key=*** (page 1): the response is an object, not an array of records: say where the records are with `records: PATH`
  fetch  failed: http://127.0.0.1:PORT/truncated?api_key=*** (page 1): Transferred a partial file: transfer closed with 990 bytes remaining to read (after 3 attempts)
  fetch  failed: http://127.0.0.1:PORT/loop?api_key=*** (page 1): Number of redirects hit maximum amount: Maximum (10) redirects followed (after 1 attempt)
  fetch  failed: http://127.0.0.1:PORT/always500?api_key=*** (page 1): the server answered HTTP 500 after 3 attempts
  fetch  failed: http://127.0.0.1:PORT/nosuch?api_key=*** (page 1): the server answered HTTP 404 (not found)
  $ python3 ../../extract/api_log.py $TMP/req.log /always500 | sed 's|k3y+val/ue|KEY|'
  GET /always500?api_key=KEY
  GET /always500?api_key=KEY
  GET /always500?api_key=KEY
  $ cd $TMP/p && ls lake/raw | grep -c broken
  0
  [1]

max_pages is an error unless max_pages_ok says to keep the first pages; the failed task lands
nothing, not even its first pages.

  $ cd $TMP/p && dunya run paged_broken --date 2024-01-01 --parallelism 1 2>&1 | grep -v 'queued\|running' | sed 's/^ *[0-9.]*s  //; s/ in [0-9.]* s / in T s /; s/:[0-9][0-9]*\//:PORT\//'
  fetch      failed: http://127.0.0.1:PORT/page: more than max_pages (2) pages; raise max_pages, or set max_pages_ok: true to keep the first 2
  capped_ok  success
  run manual__2024-01-01T00:00:00Z of paged_broken: failed in T s (1 succeeded, 1 failed, 0 skipped)
  $ cd $TMP/p && ls lake/raw | grep capped && dunya -q count lake:raw/capped_ok
  capped_ok
  4

Incremental: the largest updated_at committed is the next run's {{ bookmark }}; a query param
that renders empty (the first run) is left out; full_refresh ignores the bookmark.

  $ : > $TMP/req.log && (cd $TMP/p && dunya -q run since --date 2024-01-01 && dunya -q run since --date 2024-01-02 && dunya -q run since --date 2024-01-03 --param full=true) > /dev/null 2>&1 && python3 ../../extract/api_log.py $TMP/req.log /since
  GET /since
  GET /since?updated_since=2024-01-03T00:00:00Z
  GET /since
  $ cd $TMP/p && dunya logs since manual__2024-01-02T00:00:00Z changes | grep -v '^--' | sed 's/:[0-9][0-9]*\//:PORT\//'
  bookmark from the last run: 2024-01-03T00:00:00Z
  page 1: GET http://127.0.0.1:PORT/since?updated_since=2024-01-03T00%3A00%3A00Z: HTTP 200, 1 record
  wrote 1 records from 1 pages to raw/changes version 2
  ::output rows=1
  ::output pages=1
  ::output version=2
  ::output bookmark=2024-01-04T00:00:00Z
  $ cd $TMP/p && dunya -q count lake:raw/changes
  7

Pages are streamed: each page's records are read and written to the lake while the next page
downloads, and one commit lands them all. Their columns may change from page to page: late
appears on page 3 only; n is an int on page 1 and a float on page 2 (float64); m is an int,
then a string (string, the ints as their text); z is null on all of page 1, then ints (int64);
owner is a nested object, flattened; the records' keys come in different orders. A column a
page lacks reads as null.

  $ cd $TMP/p && : > $TMP/req.log && timeout 60 dunya run stream --date 2024-01-01 --parallelism 1 2>&1 | grep -v 'queued\|running' | sed 's/^ *[0-9.]*s  //; s/ in [0-9.]* s / in T s /'
  mixed   success
  many    success
  pretty  success
  run manual__2024-01-01T00:00:00Z of stream: success in T s (3 succeeded, 0 failed, 0 skipped)
  $ cd $TMP/p && dunya -q lake show raw/mixed | sed -n 's/, [0-9.]* [k]*B$/, SIZE/; /^rows/p; /^columns/,/^  late/p'
  rows       5 in 3 files, SIZE
  columns
    id                             int64
    n                              float64
    m                              string
    z                              int64
    owner.id                       int64
    owner.name                     string
    late                           string
  $ cd $TMP/p && dunya -q convert lake:raw/mixed - --to csv
  id,n,m,z,owner.id,owner.name,late
  1,1.0,"1",,10,ann,
  2,2.0,"2",,11,bob,
  3,2.5,three,5,12,,
  4,4.0,four,6,,,
  5,5.0,"5",7,13,cy,x
  $ cd $TMP/p && dunya logs stream latest mixed | grep -v '^--' | sed 's/:[0-9][0-9]*\//:PORT\//'
  page 1: GET http://127.0.0.1:PORT/mixed?page=1: HTTP 200, 2 records
  page 2: GET http://127.0.0.1:PORT/mixed?page=2: HTTP 200, 2 records
  page 3: GET http://127.0.0.1:PORT/mixed?page=3: HTTP 200, 1 record
  page 4: GET http://127.0.0.1:PORT/mixed?page=4: HTTP 200, 0 records
  wrote 5 records from 4 pages to raw/mixed version 1
  ::output rows=5
  ::output pages=4
  ::output version=1

More pages than the writer queues, every row once and in order; pretty-printed pages (indented,
a value a line) land as compact records, an escaped line break in a string kept as one.

  $ cd $TMP/p && dunya -q count lake:raw/many && dunya -q convert lake:raw/many - --to csv | awk -F, 'NR > 1 && $1 != NR - 1 { bad++ } END { print NR - 1, "rows,", bad + 0, "out of order" }'
  1200
  1200 rows, 0 out of order
  $ cd $TMP/p && dunya -q convert lake:raw/pretty - --to ndjson
  {"id":1,"text":"line one\nline two","o.k":"[1,2]"}
  {"id":2,"text":"plain","o.k":"[]"}
  {"id":3,"text":"line one\nline two","o.k":"[1,2]"}
  {"id":4,"text":"plain","o.k":"[]"}

One HTTP connection serves all the pages of a task (keep-alive): the server sees one client
port per task.

  $ python3 ../../extract/api_log.py --conns $TMP/req.log /mixed && python3 ../../extract/api_log.py --conns $TMP/req.log /many && python3 ../../extract/api_log.py --conns $TMP/req.log /pretty
  4 requests to /mixed, 1 connection
  13 requests to /many, 1 connection
  3 requests to /pretty, 1 connection

A record the JSON reader rejects on page 2 fails the task, naming the page and the record's
line on it (its position among the page's records, here the third), and nothing lands: not
page 1, not even an empty folder.

  $ cd $TMP/p && timeout 60 dunya run spoiled --date 2024-01-01 2>&1 | grep failed | grep -v '^run' | sed 's/^ *[0-9.]*s  //; s/ (--bad-rows.*//'
  fetch  failed: extract.api task fetch: page 2, record 3, column 16: expected a value, found '}'
  $ cd $TMP/p && dunya -q lake ls raw/spoiled 2>&1 | sed "s|$TMP|TMP|"; ls lake/raw | grep -c spoiled
  no datasets in TMP/p/lake under raw/spoiled
  0
  [1]

A pretty-printed page whose record holds a raw line break inside a string is not valid JSON:
the task fails with an error that names the page and what is wrong, and nothing lands.

  $ cd $TMP/p && timeout 60 dunya run spoiled --date 2024-01-01 --param 'path=pretty?bad=1' 2>&1 | grep 'fetch  failed' | sed 's/^ *[0-9.]*s  //; s/:[0-9][0-9]*\//:PORT\//'
  fetch  failed: http://127.0.0.1:PORT/pretty?bad=1&page=2 (page 2): record 1 is not valid JSON (line 3, column 22: control character in a string (escape it))
  $ cd $TMP/p && dunya -q lake ls raw/spoiled 2>&1 | sed "s|$TMP|TMP|"; ls lake/raw | grep -c spoiled
  no datasets in TMP/p/lake under raw/spoiled
  0
  [1]

`dunya validate` checks the params.

  $ cp -r projects/api_bad $TMP/v
  $ cd $TMP/v && dunya validate
  pipelines/bad.yaml:7:12: url: 'ftp://example/x' is not an http or https URL
  pipelines/bad.yaml:8:15: method: 'PUT' is not GET or POST
  pipelines/bad.yaml:9:26: pagination type 'pages' is not page, offset, cursor or link_header
  pipelines/bad.yaml:9:33: unknown key 'max_page' in pagination (did you mean 'max_pages'?)
  pipelines/bad.yaml:10:13: bearer auth needs 'token'
  pipelines/bad.yaml:11:19: rate_limit: 'fast' is not a rate such as 10/s or 600/minute
  pipelines/bad.yaml:12:19: template variable 'bookmark' is known only in extract.api tasks with incremental: {bookmark: FIELD}
  pipelines/bad.yaml:13:16: give either 'graphql' or 'body', not both
  pipelines/bad.yaml:15:16: dataset: 'nozone' is not a dataset name: use ZONE/NAME with zone raw, curated or consumption (e.g. raw/orders)
  pipelines/bad.yaml:16:7: unknown extract.api param 'colour' (known: url, method, query, headers, body, records, dataset, partition, mode, format, compression, auth, pagination, rate_limit, retries, retry_backoff, max_wait, timeout, max_response_bytes, incremental, full_refresh, graphql)
  pipelines/bad.yaml:17:5: extract.api task needs the param 'dataset'
  pipelines/bad.yaml:21:19: cursor pagination needs 'cursor_path' (where the next cursor is, e.g. meta.next_cursor)
  pipelines/bad.yaml:22:13: api_key auth needs either 'header' or 'query' (where the key goes)
  pipelines/bad.yaml:23:20: incremental needs 'bookmark' (the record field whose largest value is kept)
  14 problems in 1 file
  [1]

A wait the server asks for (here 100 s) ends within moments of Ctrl-C, and the task fails.

  $ cd $TMP/p && (dunya run slow --date 2024-01-01 > $TMP/slow.out 2>&1 & echo $! > $TMP/slow.pid) && for i in $(seq 100); do grep -q "mode.: .long" $TMP/req.log && break; sleep 0.1; done && sleep 0.3 && kill -INT $(cat $TMP/slow.pid) && for i in $(seq 100); do kill -0 $(cat $TMP/slow.pid) 2>/dev/null || break; sleep 0.1; done && kill -0 $(cat $TMP/slow.pid) 2>/dev/null || echo ended && grep -o 'wait  failed: .*' $TMP/slow.out
  ended
  wait  failed: stopped while extracting page 1

After all of the above, still no secret anywhere dunya wrote.

  $ cd $TMP/p && grep -rl -e s3cret-token -e hunter22 -e k3y -e cl1ent-secret -e tok1 -e tok2 .dunya lake | wc -l
  0

The server stops with the tests.

  $ kill $(cat $TMP/srv.pid)
