Reading a file by URL: every command that reads a file (and the load and lake.write tasks)
fetches http, https, ftp, ftps and sftp URLs. A local web server on 127.0.0.1 serves the files.

  $ cp projects/lake/orders.csv $TMP/ && cd $TMP && (python3 -m http.server 0 --bind 127.0.0.1 > $TMP/web.log 2>&1 & echo $! > $TMP/web.pid) && for i in $(seq 100); do grep -q "port [0-9]" $TMP/web.log && break; sleep 0.1; done; grep -o "port [0-9]*" $TMP/web.log | sed 's/[0-9][0-9]*/N/'
  port N
  $ p=$(grep -o "port [0-9]*" $TMP/web.log | cut -d' ' -f2) && dunya -q head http://127.0.0.1:$p/orders.csv -n 2
  id     customer  amount   ordered_at
  int64  string    float64  timestamp
  -----  --------  -------  --------------------
      1  ann          10.5  2024-01-01T09:00:00Z
      2  bob          20.0  2024-01-01T10:30:00Z
  $ p=$(grep -o "port [0-9]*" $TMP/web.log | cut -d' ' -f2) && dunya -q load "http://127.0.0.1:$p/orders.csv?x=1" sqlite://$TMP/w.db orders --mode merge --key id && dunya sql sqlite://$TMP/w.db "SELECT id, amount FROM orders ORDER BY id" --format csv
  id,amount
  1,10.5
  2,21.0
  3,5.25
  $ p=$(grep -o "port [0-9]*" $TMP/web.log | cut -d' ' -f2) && dunya -q count http://127.0.0.1:$p/missing.csv 2>&1 | sed "s/:$p\//:PORT\//"
  dunya: error: fetching http://127.0.0.1:PORT/missing.csv: the server answered HTTP 404 (not found)
  $ dunya -q count http://ann:hunter2@127.0.0.1:1/orders.csv 2>&1 | grep -c hunter2
  0
  [1]
  $ p=$(grep -o "port [0-9]*" $TMP/web.log | cut -d' ' -f2) && mkdir $TMP/t && TMPDIR=$TMP/t dunya -q count http://127.0.0.1:$p/orders.csv && ls $TMP/t | wc -l
  4
  0
  $ kill $(cat $TMP/web.pid)
