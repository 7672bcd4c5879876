Downloading files into the lake (extract.file). A test server (tests/extract/file_server.py,
standard-library python3 on 127.0.0.1) serves a folder with ETags, Last-Modified and ranges,
misbehaves on purpose, and logs every request, so the cases below check the exact requests
dunya made. Ports and times are cut from the output.

  $ mkdir -p $TMP/srv/data && printf 'id,name\n1,ann\n2,bob\n' > $TMP/srv/data/a.csv && printf 'id,name\n3,cy\n' > $TMP/srv/data/b.csv && echo '{"x": 1}' > $TMP/srv/data/c.json && head -c 300000 /dev/urandom > $TMP/srv/data/big.bin
  $ cp -r projects/files $TMP/p && (python3 ../../extract/file_server.py $TMP/req.log $TMP/port $TMP/srv $PPID > $TMP/srv.out 2>&1 & echo $! > $TMP/srv.pid) && for i in $(seq 100); do test -f $TMP/port && break; sleep 0.1; done && echo "WEB=http://127.0.0.1:$(cat $TMP/port)" >> $TMP/p/.env && printf 'FILE_TOKEN=t0ps3cret-token\nFILE_PASSWORD=hunter2-pw\n' >> $TMP/p/.env && cd $TMP/p && dunya validate 2>&1 | tail -n 1
  11 problems in 1 file

One file, the CSV files of a folder (its index page's links), two files parsed into rows, a
download cut in the middle (resumed from where it stopped), a 429 answer waited out as
Retry-After says, and 500s retried.

  $ cd $TMP/p && dunya run get --date 2024-01-01 --parallelism 1 2>&1 | grep -v 'queued\|running' | sed 's/^ *[0-9.]*s  //; s/ in [0-9.]* s / in T s /'
  one      success
  listed   success
  parsed   success
  resumed  success
  limited  success
  flaky    success
  run manual__2024-01-01T00:00:00Z of get: success in T s (6 succeeded, 0 failed, 0 skipped)
  $ cd $TMP/p && for t in one listed resumed; do dunya logs get latest $t | grep -v '^--' | sed 's/:[0-9][0-9]*\//:PORT\//; s/in [0-9.]* s/in T s/; s/sha256 [0-9a-f]*/sha256 H/'; done
  downloaded http://127.0.0.1:PORT/data/a.csv: 20 bytes in T s, sha256 H
  wrote 1 file rows from 1 file to raw/one version 1
  ::output files=1
  ::output unchanged=0
  ::output bytes=20
  ::output rows=1
  ::output version=1
  listed http://127.0.0.1:PORT/data/: 2 files match *.csv
  downloaded http://127.0.0.1:PORT/data/a.csv: 20 bytes in T s, sha256 H
  downloaded http://127.0.0.1:PORT/data/b.csv: 13 bytes in T s, sha256 H
  wrote 2 file rows from 2 files to raw/listed version 1
  ::output files=2
  ::output unchanged=0
  ::output bytes=33
  ::output rows=2
  ::output version=1
  http://127.0.0.1:PORT/cut/data/big.bin?k=r1: Transferred a partial file; retry 1 of 3 in T s
  http://127.0.0.1:PORT/cut/data/big.bin?k=r1: resuming at byte 150000
  downloaded http://127.0.0.1:PORT/cut/data/big.bin?k=r1: 300000 bytes in T s (resumed), sha256 H
  wrote 1 file rows from 1 file to raw/big version 1
  ::output files=1
  ::output unchanged=0
  ::output bytes=300000
  ::output rows=1
  ::output version=1
  $ python3 ../../extract/file_log.py $TMP/req.log /cut
  GET /cut/data/big.bin
  GET /cut/data/big.bin Range: bytes=150000- If-Range: ETAG
  $ python3 ../../extract/file_log.py --gap $TMP/req.log /limited && python3 ../../extract/file_log.py $TMP/req.log /flaky
  2 requests, smallest gap 1.0 s
  GET /flaky/data/b.csv
  GET /flaky/data/b.csv
  GET /flaky/data/b.csv

The file lies in the lake under the dataset's _files/ folder, named by its SHA-256, and the
dataset has a row per file with what the server said about it; the resumed file is whole.

  $ cd $TMP/p && dunya -q convert lake:raw/listed - --to csv | cut -d, -f1,3,5 && ls lake/raw/listed/_files/*/
  file,size,content_type
  a.csv,20,text/csv
  b.csv,13,text/csv
  lake/raw/listed/_files/2899abcddd15dba58459f556b000f74de871b5e569e4c170cf8017cffe08fb62/:
  a.csv
  
  lake/raw/listed/_files/a9f4d86922d31e227d1e6edea426442b4e6a1ee3d43049cde10fb6cb3bb0ec3a/:
  b.csv
  $ cd $TMP/p && cmp lake/raw/big/_files/*/big.bin $TMP/srv/data/big.bin && dunya -q convert lake:raw/parsed - --to csv
  id,name
  1,ann
  2,bob
  3,cy

The next run asks whether anything changed (If-None-Match with the ETag it kept) and lands
nothing; once a file changes, only that one is downloaded and committed.

  $ : > $TMP/req.log && (cd $TMP/p && dunya -q run get --date 2024-01-02 --parallelism 1 > /dev/null 2>&1); python3 ../../extract/file_log.py $TMP/req.log / | sort | uniq -c | sed 's/^ *//'
  1 GET /cut/data/big.bin If-None-Match: ETAG
  1 GET /data/
  3 GET /data/a.csv If-None-Match: ETAG
  2 GET /data/b.csv If-None-Match: ETAG
  1 GET /flaky/data/b.csv If-None-Match: ETAG
  1 GET /limited/data/b.csv If-None-Match: ETAG
  $ cd $TMP/p && dunya logs get latest listed | grep -v '^--' | sed 's/:[0-9][0-9]*\//:PORT\//'
  listed http://127.0.0.1:PORT/data/: 2 files match *.csv
  unchanged: http://127.0.0.1:PORT/data/a.csv
  unchanged: http://127.0.0.1:PORT/data/b.csv
  nothing changed: nothing committed to raw/listed
  ::output files=0
  ::output unchanged=2
  ::output bytes=0
  ::output rows=0
  $ printf 'id,name\n3,cy\n4,di\n' > $TMP/srv/data/b.csv && cd $TMP/p && dunya -q run get --date 2024-01-03 > /dev/null 2>&1; dunya logs get latest listed | grep -v '^--' | grep -v output | sed 's/:[0-9][0-9]*\//:PORT\//; s/in [0-9.]* s/in T s/; s/sha256 [0-9a-f]*/sha256 H/' && dunya -q count lake:raw/listed
  listed http://127.0.0.1:PORT/data/: 2 files match *.csv
  unchanged: http://127.0.0.1:PORT/data/a.csv
  downloaded http://127.0.0.1:PORT/data/b.csv: 18 bytes in T s, sha256 H
  wrote 1 file rows from 1 file to raw/listed version 2
  3

A download cut off with no retries left fails the run but keeps its .part (and the ETag it
came with); the next run asks only for the rest.

  $ cd $TMP/p && dunya run later --date 2024-01-01 2>&1 | grep 'failed:' | sed 's/^ *[0-9.]*s  //; s/:[0-9][0-9]*\//:PORT\//' && ls .dunya/downloads/later/fetch/ | sed 's/^[0-9a-f]*-//'
  fetch  failed: http://127.0.0.1:PORT/cut/data/big.bin?k=later: Transferred a partial file: transfer closed with 150000 bytes remaining to read (after 1 attempt)
  big.bin.part
  big.bin.part.v
  $ : > $TMP/req.log && (cd $TMP/p && dunya -q run later --date 2024-01-02 > /dev/null 2>&1); python3 ../../extract/file_log.py $TMP/req.log /cut && cd $TMP/p && dunya logs later latest fetch | head -2 | sed 's/:[0-9][0-9]*\//:PORT\//; s/in [0-9.]* s/in T s/; s/sha256 [0-9a-f]*/sha256 H/' && cmp lake/raw/later/_files/*/big.bin $TMP/srv/data/big.bin && ls .dunya/downloads/later/fetch/ | wc -l
  GET /cut/data/big.bin Range: bytes=150000- If-Range: ETAG
  http://127.0.0.1:PORT/cut/data/big.bin?k=later: resuming at byte 150000
  downloaded http://127.0.0.1:PORT/cut/data/big.bin?k=later: 300000 bytes in T s (resumed), sha256 H
  0

Bad answers fail the task with the URL and land nothing: an HTML page where a CSV file was
expected, a 304 to a request that asked nothing, a truncated body (retried, then given up), a
redirect loop, 500s until the retries run out (2 retries = 3 requests), a stalled transfer, a
missing file, a folder whose index page is missing; and when one file of a list is missing, the
others are not committed either.

  $ : > $TMP/req.log && cd $TMP/p && for x in htmlpage/x.csv always304/x.csv truncated/x.csv loop/x.csv always500/x.csv stall/data/a.csv:0 nosuch.csv; do dunya run broken --date 2024-01-01 --param path=${x%%:*} --param retries=$(echo $x: | cut -d: -f2 | sed 's/^$/2/') 2>&1 | grep 'failed:' | sed 's/^ *[0-9.]*s  //; s/:[0-9][0-9]*\//:PORT\//'; done | sort -u
  fetch        failed: http://127.0.0.1:PORT/always304/x.csv: the server answered HTTP 304 (not modified) to a request that was not conditional
  fetch        failed: http://127.0.0.1:PORT/always500/x.csv: the server answered HTTP 500 after 3 attempts
  fetch        failed: http://127.0.0.1:PORT/htmlpage/x.csv: the server sent an HTML page (Content-Type text/html; charset=utf-8), not CSV; check the URL and the credentials
  fetch        failed: http://127.0.0.1:PORT/loop/x.csv: Number of redirects hit maximum amount: Maximum (10) redirects followed (after 1 attempt)
  fetch        failed: http://127.0.0.1:PORT/nosuch.csv: the server answered HTTP 404 (not found)
  fetch        failed: http://127.0.0.1:PORT/stall/data/a.csv: Timeout was reached: Operation too slow. Less than 1 bytes/sec transferred the last 1 seconds (after 1 attempt)
  fetch        failed: http://127.0.0.1:PORT/truncated/x.csv: Transferred a partial file: transfer closed with 988 bytes remaining to read (after 3 attempts)
  no_folder    failed: http://127.0.0.1:PORT/nosuch/: the server answered HTTP 404 (not found)
  some_listed  failed: http://127.0.0.1:PORT/data/missing.csv: the server answered HTTP 404 (not found)
  $ python3 ../../extract/file_log.py $TMP/req.log /always500
  GET /always500/x.csv
  GET /always500/x.csv
  GET /always500/x.csv
  $ cd $TMP/p && ls lake/raw | grep -c 'broken\|partial\|no_folder'
  0
  [1]

No secret shows in a log, a row of the dataset or the metadata store: a token in the URL and a
password are written as ***.

  $ cd $TMP/p && dunya -q run secret --date 2024-01-01 > /dev/null 2>&1; dunya logs secret latest fetch | head -1 | sed 's/:[0-9][0-9]*\//:PORT\//; s/in [0-9.]* s/in T s/; s/sha256 [0-9a-f]*/sha256 H/' && dunya -q convert lake:raw/secret - --to csv | cut -d, -f2 | sed 's/:[0-9][0-9]*\//:PORT\//' && grep -rl -e t0ps3cret -e hunter2-pw .dunya lake | wc -l
  downloaded http://127.0.0.1:PORT/data/a.csv?token=***: 20 bytes in T s, sha256 H
  url
  http://127.0.0.1:PORT/data/a.csv?token=***
  0

`dunya validate` checks the params.

  $ cd $TMP/p && dunya validate
  pipelines/invalid.yaml:6:12: url: 'gopher://x/y' is not an http, https, ftp, ftps or sftp URL
  pipelines/invalid.yaml:6:12: url: a folder to list with 'pattern' must end with '/'
  pipelines/invalid.yaml:8:14: parse: 'xml' is not csv, tsv, json, ndjson, parquet or auto
  pipelines/invalid.yaml:9:18: max_files: '0' is not a whole number of at least 1
  pipelines/invalid.yaml:10:29: unknown key 'pasword' in auth (did you mean 'password'?)
  pipelines/invalid.yaml:11:16: dataset: 'nozone' is not a dataset name: use ZONE/NAME with zone raw, curated or consumption (e.g. raw/orders)
  pipelines/invalid.yaml:12:5: extract.scrape needs 'seeds' (or one 'url')
  pipelines/invalid.yaml:15:16: records: '//tr[' is not a valid XPath expression
  pipelines/invalid.yaml:16:31: field 'b': 'td[[2]' is not a valid XPath expression
  pipelines/invalid.yaml:17:18: max_depth: '-1' is not a whole number of at least 0
  pipelines/invalid.yaml:18:14: delay: 'soon' is not a duration (e.g. 30s, 5m)
  11 problems in 1 file
  [1]

  $ kill $(cat $TMP/srv.pid)
