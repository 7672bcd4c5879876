The scraping example (examples/edgar): an EDGAR-style daily index of filings, static HTML
served by python3's http.server on 127.0.0.1 on a port the kernel picks, crawled by the
example's pipeline into raw/filings.

  $ cp -r ../../../examples/edgar $TMP/e && cd $TMP/e && rm -rf lake .dunya .env && (timeout 300 python3 -u -m http.server 0 --bind 127.0.0.1 --directory site > $TMP/web.log 2>&1 & echo $! > $TMP/web.pid) && for i in $(seq 100); do grep -qs "port [0-9]" $TMP/web.log && break; sleep 0.1; done; echo "EDGAR=http://127.0.0.1:$(grep -o 'port [0-9]*' $TMP/web.log | cut -d' ' -f2)" > .env && dunya validate
  ok: 1 pipeline, 1 task
  $ cd $TMP/e && dunya run filings --date 2024-01-05 2>&1 | tail -1 | sed 's/ in [0-9.]* s / in T s /'
  run manual__2024-01-05T00:00:00Z of filings: success in T s (1 succeeded, 0 failed, 0 skipped)
  $ cd $TMP/e && dunya -q convert lake:raw/filings - --to csv | sed 's/:[0-9][0-9]*\//:PORT\//'
  company,form_type,date_filed,link
  APPLE INC,8-K,2024-01-02,http://127.0.0.1:PORT/Archives/edgar/data/320193/0000320193-24-000001.htm
  MICROSOFT CORP,10-Q,2024-01-02,http://127.0.0.1:PORT/Archives/edgar/data/789019/0000950170-24-000002.htm
  ACME WIDGETS & CO,S-1,2024-01-02,http://127.0.0.1:PORT/Archives/edgar/data/1000001/0001000001-24-000003.htm
  "TESLA, INC.","4",2024-01-03,http://127.0.0.1:PORT/Archives/edgar/data/1318605/0001318605-24-000004.htm
  BERKSHIRE HATHAWAY INC,13F-HR,2024-01-03,http://127.0.0.1:PORT/Archives/edgar/data/1067983/0000950123-24-000005.htm
  AMAZON COM INC,8-K,2024-01-04,http://127.0.0.1:PORT/Archives/edgar/data/1018724/0001018724-24-000006.htm
  APPLE INC,SC 13G/A,2024-01-04,http://127.0.0.1:PORT/Archives/edgar/data/320193/0000320193-24-000007.htm
  NVIDIA CORP,10-K,2024-01-04,http://127.0.0.1:PORT/Archives/edgar/data/1045810/0001045810-24-000008.htm

robots.txt was read first, the private archive the index links to was never requested, and
the filings themselves (two links deep) were not fetched either.

  $ grep -o '"GET [^ ]*' $TMP/web.log
  "GET /robots.txt
  "GET /edgar/daily-index/index.html
  "GET /edgar/daily-index/2024-01-02.html
  "GET /edgar/daily-index/2024-01-03.html
  "GET /edgar/daily-index/2024-01-04.html
  $ kill $(cat $TMP/web.pid)
