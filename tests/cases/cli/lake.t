The lake: files committed as versions of datasets in zones, read back anywhere a file is accepted
(lake:ZONE/NAME[@VERSION][/COL=VALUE] or the dataset's folder), inspected with ls and show.

  $ cp -r projects/lake $TMP/p && cd $TMP/p && dunya -q lake write orders.csv raw/orders --partition ds=2024-01-01
  raw/orders version 1: 4 rows in 1 file
  $ cd $TMP/p && dunya -q lake write orders.csv raw/orders --partition ds=2024-01-02 --format ndjson --compression zstd --message "second day"
  raw/orders version 2: 8 rows in 2 files
  $ cd $TMP/p && ls lake/raw/orders/ds=2024-01-01 | sed 's/part-.*-00000/part-X/' && ls lake/raw/orders/_dunya/commits
  part-X.parquet
  00000000000000000001.json
  00000000000000000002.json
  $ cd $TMP/p && dunya lake ls | sed 's/20[0-9-]*T[0-9:]*Z$/TIME/'
  dataset                           version         rows  files       size  committed
  raw/orders                              2            8      2      705 B  TIME
  $ cd $TMP/p && dunya lake show raw/orders | sed "s|$TMP|TMP|" | sed 's/20[0-9-]*T[0-9:.]*Z/TIME/; s/  *[0-9.]* kB/ SIZE/; s/  *[0-9]* B$/ SIZE/'
  dataset    raw/orders
  location   TMP/p/lake/raw/orders
  version    2 (of 2; latest 2)
  committed  TIME (append): second day
  rows       8 in 2 files, SIZE
  
  columns
    id                             int64
    customer                       string
    amount                         float64
    ordered_at                     timestamp
    ds                             partition
  
  partitions
    partition                       files         rows       size
    ds=2024-01-01                       1            4 SIZE
    ds=2024-01-02                       1            4 SIZE
  
  versions
    version  committed             operation                    rows  files
          2  TIME  append                          8      2
          1  TIME  append                          4      1
  $ cd $TMP/p && dunya -q head lake:raw/orders/ds=2024-01-02 && dunya -q count lake:raw/orders@1 && dunya -q count lake/raw/orders
  id     customer  amount   ordered_at            ds
  int64  string    float64  timestamp             date
  -----  --------  -------  --------------------  ----------
      1  ann          10.5  2024-01-01T09:00:00Z  2024-01-02
      2  bob          20.0  2024-01-01T10:30:00Z  2024-01-02
      2  bob          21.0  2024-01-01T10:45:00Z  2024-01-02
      3  cy           5.25  2024-01-01T11:00:00Z  2024-01-02
  4
  8
  $ cd $TMP/p && dunya -q convert lake:raw/orders out.csv && cat out.csv
  id,customer,amount,ordered_at,ds
  1,ann,10.5,2024-01-01T09:00:00Z,2024-01-01
  2,bob,20.0,2024-01-01T10:30:00Z,2024-01-01
  2,bob,21.0,2024-01-01T10:45:00Z,2024-01-01
  3,cy,5.25,2024-01-01T11:00:00Z,2024-01-01
  1,ann,10.5,2024-01-01T09:00:00Z,2024-01-02
  2,bob,20.0,2024-01-01T10:30:00Z,2024-01-02
  2,bob,21.0,2024-01-01T10:45:00Z,2024-01-02
  3,cy,5.25,2024-01-01T11:00:00Z,2024-01-02

Raw data is never modified; a curated dataset can be overwritten, and old versions stay readable.

  $ cd $TMP/p && dunya -q lake write orders.csv raw/orders --mode overwrite
  dunya: error: raw/orders: the raw zone keeps data as extracted and only takes appends; write cleaned data to curated/ instead
  [1]
  $ cd $TMP/p && dunya -q lake write orders.csv curated/orders && dunya -q lake write lake:raw/orders/ds=2024-01-02 curated/orders --mode overwrite
  curated/orders version 1: 4 rows in 1 file
  curated/orders version 2: 4 rows in 1 file
  $ cd $TMP/p && dunya -q count lake:curated/orders@1 && dunya -q count lake:curated/orders
  4
  4

Errors name what is wrong and what to do.

  $ cd $TMP/p && dunya -q count lake:bronze/orders
  dunya: error: 'bronze/orders' is not a dataset name: use ZONE/NAME with zone raw, curated or consumption (e.g. raw/orders)
  [1]
  $ cd $TMP/p && dunya -q count lake:raw/orders@9
  dunya: error: raw/orders has no version 9 (see dunya lake show raw/orders)
  [1]
  $ cd $TMP/p && dunya -q count lake:raw/nothing
  dunya: error: raw/nothing: no such dataset in the lake
  [1]
  $ cd $TMP/p && dunya -q count lake:raw/orders/region=eu
  dunya: error: raw/orders is not partitioned by 'region'; its partitions: ds
  [1]
  $ cd $TMP && dunya -q lake ls
  dunya: error: no lake: run inside a project (its dunya.yaml names the lake), give --project DIR, or set DUNYA_LAKE to a folder or s3:// URL
  [2]
  $ cd $TMP && DUNYA_LAKE=$TMP/p/lake dunya -q count lake:raw/orders
  8

A pipeline: land the file in raw, merge the day's partition into the warehouse, publish a summary
to the consumption zone.

  $ cd $TMP/p && dunya validate && dunya run daily --date 2024-01-03 2>&1 | tail -1 | sed 's/ in [0-9.]* s / in T s /'
  ok: 1 pipeline, 3 tasks
  run manual__2024-01-03T00:00:00Z of daily: success in T s (3 succeeded, 0 failed, 0 skipped)
  $ cd $TMP/p && dunya sql warehouse "SELECT id, customer, amount FROM orders ORDER BY id" --format csv
  id,customer,amount
  1,ann,10.5
  2,bob,21.0
  3,cy,5.25
  $ cd $TMP/p && dunya -q head lake:consumption/customers && dunya logs daily latest land | grep -v '^--' | sed 's/version [0-9]*/version N/'
  customer  orders  total
  string    int64   float64
  --------  ------  -------
  ann            1     10.5
  bob            1     21.0
  cy             1     5.25
  wrote orders.csv to raw/orders version N: read 4 rows, 4 written, 0 skipped, 0 quarantined; the version has 12 rows in 3 files
  ::output rows=4
  ::output version=3

The lake in dunya.yaml: a folder, an s3:// URL, or a mapping; validate checks the mapping.

  $ mkdir -p $TMP/v && cd $TMP/v && printf 'name: v\nlake:\n  root: s3://b/lake\n  regoin: eu-west-1\n  format: orc\n  compression: lz4\n  path_style: maybe\n' > dunya.yaml && dunya validate
  dunya.yaml:4:3: unknown lake key 'regoin' (did you mean 'region'?)
  dunya.yaml:5:11: lake format must be parquet, csv or ndjson, not 'orc'
  dunya.yaml:6:16: lake compression must be zstd, gzip or none, not 'lz4'
  dunya.yaml:7:15: path_style must be true or false
  4 problems in 1 file
  [1]
  $ cd $TMP/v && printf 'name: v\nlake:\n  root: data/lake\n  format: ndjson\n  compression: none\n' > dunya.yaml && dunya validate && dunya -q lake write ../p/orders.csv curated/o && ls data/lake/curated/o | grep -c 'part-.*ndjson$'
  ok: 0 pipelines, 0 tasks
  curated/o version 1: 4 rows in 1 file
  1
