Running pipelines in the foreground: dependency order, outputs flowing into templates, sql on
SQLite, trigger rules after a failure, retries with their delays, a timeout that ends the task,
file sensors, params and exit codes. Times are cut from the progress lines.


  $ cp -r projects/runs $TMP/p && cd $TMP/p && dunya validate
  ok: 5 pipelines, 16 tasks

  $ cd $TMP/p && dunya run flow --date 2024-01-31 --parallelism 1 2>&1 | sed 's/^ *[0-9.]*s  //; s/ in [0-9.]* s / in T s /'
  extract  queued
  extract  running
  extract  success
  load     queued
  load     running
  load     success
  verify   queued
  verify   running
  verify   success
  check    queued
  check    running
  check    failed: exit code 3
  report   upstream_failed
  cleanup  queued
  cleanup  running
  cleanup  success
  always   queued
  always   running
  always   success
  run manual__2024-01-31T00:00:00Z of flow: failed in T s (5 succeeded, 2 failed, 0 skipped)

  $ cd $TMP/p && cat .dunya/logs/flow/manual__2024-01-31T00:00:00Z/extract.1.log .dunya/logs/flow/manual__2024-01-31T00:00:00Z/cleanup.1.log
  extracting eu for 2024-01-31
  ::output rows=42
  cleaning up after manual__2024-01-31T00:00:00Z

  $ cd $TMP/p && dunya run flow --date 2024-01-31 --param region=us --parallelism 1 2>&1 | grep -E 'verify +failed|^run' | sed 's/^ *[0-9.]*s  //; s/ in [0-9.]* s / in T s /'
  verify   failed: sql: table verified already exists (the transaction was rolled back)
  run manual__2024-01-31T00:00:00Z__2 of flow: failed in T s (4 succeeded, 3 failed, 0 skipped)

  $ cd $TMP/p && cat .dunya/logs/flow/manual__2024-01-31T00:00:00Z__2/extract.1.log
  extracting us for 2024-01-31
  ::output rows=42

  $ cd $TMP/p && dunya run flow --param nosuch=1
  dunya: error: --param nosuch=1: pipeline flow declares no such param (give NAME=VALUE for one of its params)
  [2]

  $ cd $TMP/p && dunya run retry --date 2024-01-01 --parallelism 1 2>&1 | sed 's/^ *[0-9.]*s  //; s/ in [0-9.]* s / in T s /'
  flaky       queued
  slow        queued
  flaky       running
  flaky       up_for_retry: exit code 1; retry 1 of 2 in 0.1 s
  slow        running
  slow        failed: timed out after 0.3 s
  after_slow  upstream_failed
  flaky       running (try 2)
  flaky       up_for_retry: exit code 1; retry 2 of 2 in 0.1 s
  flaky       running (try 3)
  flaky       success (try 3)
  run manual__2024-01-01T00:00:00Z of retry: failed in T s (1 succeeded, 2 failed, 0 skipped)

  $ cd $TMP/p && dunya run sensor --date 2024-01-01 2>&1 | grep -v queued | sed 's/^ *[0-9.]*s  //; s/ in [0-9.]* s / in T s /' | sort
  make_file   running
  make_file   success
  never_file  failed: sensor timed out waiting for no-such-file
  never_file  running
  run manual__2024-01-01T00:00:00Z of sensor: failed in T s (2 succeeded, 1 failed, 0 skipped)
  wait_file   running
  wait_file   success

  $ cd $TMP/p && dunya run nosuch
  dunya: error: no pipeline with id 'nosuch' in this project (`dunya validate` lists them)
  [2]
