The lake on S3: the same commands against a fake S3 server on 127.0.0.1 (tests/s3-server). The
server reads its stdin from a FIFO held open by a sleep; killing the sleep stops the server (and
a failed case stops it within five minutes).

  $ mkfifo $TMP/in && (sleep 300 > $TMP/in 2>/dev/null & echo $! > $TMP/sleep.pid) && (../../s3-server lakebucket < $TMP/in > $TMP/endpoint 2> $TMP/s3.log &) && for i in $(seq 900); do grep -qs http $TMP/endpoint && break; sleep 0.1; done; grep -c http $TMP/endpoint
  1
  $ export AWS_ENDPOINT_URL=$(head -1 $TMP/endpoint) AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER DUNYA_LAKE=s3://lakebucket/lake && dunya -q lake write projects/lake/orders.csv raw/orders --partition ds=2024-01-01 && dunya -q lake write projects/lake/orders.csv raw/orders --partition ds=2024-01-02
  raw/orders version 1: 4 rows in 1 file
  raw/orders version 2: 8 rows in 2 files
  $ export AWS_ENDPOINT_URL=$(head -1 $TMP/endpoint) AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER DUNYA_LAKE=s3://lakebucket/lake && dunya lake ls | cut -c1-58 && dunya -q count lake:raw/orders && dunya -q count lake:raw/orders@1 && dunya -q head lake:raw/orders/ds=2024-01-02 -n 2
  dataset                           version         rows  fi
  raw/orders                              2            8    
  8
  4
  id     customer  amount   ordered_at            ds
  int64  string    float64  timestamp             date
  -----  --------  -------  --------------------  ----------
      1  ann          10.5  2024-01-01T09:00:00Z  2024-01-02
      2  bob          20.0  2024-01-01T10:30:00Z  2024-01-02
  $ export AWS_ENDPOINT_URL=$(head -1 $TMP/endpoint) AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER DUNYA_LAKE=s3://lakebucket/lake && dunya -q lake write lake:raw/orders curated/orders --mode overwrite --compression none && dunya lake show curated/orders | sed -n '1,3p;5p'
  curated/orders version 1: 8 rows in 1 file
  dataset    curated/orders
  location   s3://lakebucket/lake/curated/orders
  version    1 (of 1; latest 1)
  rows       8 in 1 file, 375 B
  $ export AWS_ENDPOINT_URL=$(head -1 $TMP/endpoint) AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER DUNYA_LAKE=s3://lakebucket/lake && dunya -q lake write lake:curated/orders curated/orders && dunya -q count lake:curated/orders && dunya -q convert lake:curated/orders@1 - --to csv | head -3
  curated/orders version 2: 16 rows in 2 files
  16
  id,customer,amount,ordered_at,ds
  1,ann,10.5,2024-01-01T09:00:00Z,2024-01-01
  2,bob,20.0,2024-01-01T10:30:00Z,2024-01-01
  $ export AWS_ENDPOINT_URL=$(head -1 $TMP/endpoint) AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=not-the-secret DUNYA_LAKE=s3://lakebucket/lake && dunya -q lake ls 2>&1 | sed 's/127.0.0.1:[0-9]*/HOST/'
  dunya: error: S3 LIST s3://lakebucket/: HTTP 403 SignatureDoesNotMatch: The request signature we calculated does not match the signature you provided. Check your key and signing method.; check the access key id and secret access key (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), the session token and the region
  $ kill $(cat $TMP/sleep.pid)
