Crawling web pages into the lake (extract.scrape). The file server of the extract tests
(tests/extract/file_server.py, on 127.0.0.1) serves a small shop with a robots.txt and logs
every request, so the cases below check which pages were fetched, and when.

  $ cp -r projects/scrape_site $TMP/srv && mkdir -p $TMP/srv/data && echo 'a,b' > $TMP/srv/data/a.csv && cp -r projects/scrape $TMP/p && (python3 ../../extract/file_server.py $TMP/req.log $TMP/port $TMP/srv $PPID > $TMP/srv.out 2>&1 & echo $! > $TMP/srv.pid) && for i in $(seq 100); do test -f $TMP/port && break; sleep 0.1; done && echo "WEB=http://127.0.0.1:$(cat $TMP/port)" >> $TMP/p/.env && cd $TMP/p && dunya validate
  ok: 2 pipelines, 3 tasks

The crawler reads robots.txt first. Its group for dunya-test applies (and the '*' group does
not): /shop/private/ and /shop/cart are never fetched, the PDF is (only '*' forbids it), and
Crawl-delay 0.4 s spaces the requests more than the task's own 100 ms. Links are followed to
max_depth 2 within the seed's host; the link to another host is not.

  $ cd $TMP/p && dunya run crawl --date 2024-01-01 2>&1 | grep -v 'queued\|running' | sed 's/^ *[0-9.]*s  //; s/ in [0-9.]* s / in T s /'
  products  success
  run manual__2024-01-01T00:00:00Z of crawl: success in T s (1 succeeded, 0 failed, 0 skipped)
  $ python3 ../../extract/file_log.py $TMP/req.log / && python3 ../../extract/file_log.py --gap $TMP/req.log / | sed 's/gap 0\.[4-9] s/gap at least 0.4 s/'
  GET /robots.txt
  GET /shop/index.html
  GET /shop/page2.html
  GET /shop/manual.pdf
  GET /shop/page3.html
  5 requests, smallest gap at least 0.4 s
  $ cd $TMP/p && dunya logs crawl latest products | grep -v '^--' | sed 's/:[0-9][0-9]*\//:PORT\//g'
  page 1: http://127.0.0.1:PORT/shop/index.html (depth 0): 2 records, 5 new links
  page 2: http://127.0.0.1:PORT/shop/page2.html (depth 1): 1 record, 1 new link
  robots.txt disallows http://127.0.0.1:PORT/shop/private/secret.html: not fetched
  robots.txt disallows http://127.0.0.1:PORT/shop/private/public.html: not fetched
  robots.txt disallows http://127.0.0.1:PORT/shop/cart?add=1: not fetched
  page 3: http://127.0.0.1:PORT/shop/manual.pdf: application/octet-stream, not HTML: no links or records
  page 4: http://127.0.0.1:PORT/shop/page3.html (depth 2): 1 record, 0 new links
  wrote 4 records from 4 pages to raw/products version 1
  ::output rows=4
  ::output pages=4
  ::output disallowed=3
  ::output version=1

Each record is a row of the products tables: the fields' XPaths relative to the row, text with
its spaces collapsed (number() makes a number column), links resolved against the page, and the
page's URL.

  $ cd $TMP/p && dunya -q convert lake:raw/products - --to csv | sed 's/:[0-9][0-9]*\//:PORT\//g'
  name,price,link,page
  Kettle,25.5,http://127.0.0.1:PORT/shop/item/kettle.html,http://127.0.0.1:PORT/shop/index.html
  Toaster,40.0,http://127.0.0.1:PORT/shop/item/toaster.html,http://127.0.0.1:PORT/shop/index.html
  Blender,60.0,http://127.0.0.1:PORT/shop/item/blender.html,http://127.0.0.1:PORT/shop/page2.html
  Mixer,80.0,http://127.0.0.1:PORT/shop/item/mixer.html,http://127.0.0.1:PORT/shop/page3.html

Another user agent gets the '*' group: the public page under /shop/private/ (a longer Allow
beats the Disallow) and the cart are fetched, the secret page and the PDF are not, and the
task's delay (100 ms) is kept between requests. max_pages stops the crawl; depth 0 fetches the
seed alone.

  $ : > $TMP/req.log && (cd $TMP/p && dunya -q run crawl --date 2024-01-02 --param agent=otherbot/2 > /dev/null 2>&1); python3 ../../extract/file_log.py $TMP/req.log / && python3 ../../extract/file_log.py --gap $TMP/req.log / | sed 's/gap 0\.[1-9] s/gap at least 0.1 s/'
  GET /robots.txt
  GET /shop/index.html
  GET /shop/page2.html
  GET /shop/private/public.html
  GET /shop/cart
  GET /shop/page3.html
  6 requests, smallest gap at least 0.1 s
  $ : > $TMP/req.log && (cd $TMP/p && dunya -q run crawl --date 2024-01-03 --param max_pages=2 > /dev/null 2>&1; dunya -q run crawl --date 2024-01-04 --param max_depth=0 > /dev/null 2>&1); python3 ../../extract/file_log.py $TMP/req.log /
  GET /robots.txt
  GET /shop/index.html
  GET /shop/page2.html
  GET /robots.txt
  GET /shop/index.html
  $ cd $TMP/p && dunya logs crawl manual__2024-01-03T00:00:00Z products | grep 'max_pages'
  stopped at max_pages (2); 5 URLs not visited

A seed that robots.txt forbids is an error (and is not fetched), as is a seed that is not an
HTML page; nothing lands.

  $ : > $TMP/req.log && cd $TMP/p && dunya run blocked --date 2024-01-01 2>&1 | grep 'failed:' | sed 's/^ *[0-9.]*s  //; s/:[0-9][0-9]*\//:PORT\//g; s/127.0.0.1:[0-9]* /127.0.0.1:PORT /'
  secret    failed: robots.txt of 127.0.0.1:PORT disallows the seed http://127.0.0.1:PORT/shop/private/secret.html for user agent 'dunya-test/1.0'
  not_html  failed: the seed http://127.0.0.1:PORT/data/a.csv is text/csv, not an HTML page
  $ python3 ../../extract/file_log.py $TMP/req.log / && ls $TMP/p/lake/raw
  GET /robots.txt
  GET /robots.txt
  GET /data/a.csv
  products

  $ kill $(cat $TMP/srv.pid)
