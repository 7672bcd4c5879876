Trigger rules downstream of one failed and one succeeded task, and runs queued by `dunya trigger`
for the scheduler.

  $ cp -r projects/rules $TMP/p && cd $TMP/p && dunya run rules --date 2024-01-01 --parallelism 1 2>&1 | grep -vE 'queued$|running$' | sed 's/^ *[0-9.]*s  //; s/ in [0-9.]* s / in T s /' | sort
  after_skipped   skipped
  all_done        success
  all_failed      skipped
  all_success     upstream_failed
  bad             failed: exit code 1
  none_failed     upstream_failed
  none_failed_ok  success
  ok              success
  one_failed      success
  one_success     success
  only_failed     success
  run manual__2024-01-01T00:00:00Z of rules: failed in T s (6 succeeded, 3 failed, 2 skipped)

  $ cd $TMP/p && dunya trigger rules --date 2024-02-01 --param who=dunya
  run manual__2024-02-01T00:00:00Z of rules is queued: `dunya scheduler` will run it
  manual__2024-02-01T00:00:00Z

  $ cd $TMP/p && dunya runs rules | awk '{print $1, $3, $4}'
  run_id kind state
  manual__2024-02-01T00:00:00Z manual queued
  manual__2024-01-01T00:00:00Z manual failed

  $ cd $TMP/p && dunya scheduler --once 2>&1 | grep -E 'triggered|: success|: failed' | sed 's/^.*info  //'
  rules manual__2024-02-01T00:00:00Z: starting a triggered run
  rules manual__2024-02-01T00:00:00Z: failed

  $ cd $TMP/p && dunya runs rules | awk '{print $1, $3, $4}'
  run_id kind state
  manual__2024-02-01T00:00:00Z manual failed
  manual__2024-01-01T00:00:00Z manual failed

  $ cd $TMP/p && dunya logs rules manual__2024-02-01T00:00:00Z ok
  hello dunya
