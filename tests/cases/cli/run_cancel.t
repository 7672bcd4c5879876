Stopping a run: SIGINT (Ctrl-C) or SIGTERM ends the running tasks' process groups, records them
as failed without retrying, marks the tasks that never started, and exits 130. Nothing the task
started is left running.

  $ cp -r projects/runs $TMP/p && cd $TMP/p && (dunya run long --date 2024-01-01 & p=$!; while [ ! -s sleeper.pid ]; do sleep 0.05; done; kill -INT $p; wait $p; echo "exit $?") 2>&1 | sed 's/^ *[0-9.]*s  //; s/ in [0-9.]* s / in T s /'
  sleeper  queued
  sleeper  running
  sleeper  failed: cancelled: the run was stopped
  after    upstream_failed: run cancelled
  run manual__2024-01-01T00:00:00Z of long: failed in T s (0 succeeded, 2 failed, 0 skipped)
  exit 130

  $ cd $TMP/p && sleep 0.2 && kill -0 "$(cat sleeper.pid)" 2>/dev/null || echo "the task's shell is gone"
  the task's shell is gone

  $ cd $TMP/p && (rm sleeper.pid; dunya run long --date 2024-01-02 & p=$!; while [ ! -s sleeper.pid ]; do sleep 0.05; done; kill -TERM $p; wait $p; echo "exit $?") 2>&1 | tail -2 | sed 's/ in [0-9.]* s / in T s /'
  run manual__2024-01-02T00:00:00Z of long: failed in T s (0 succeeded, 2 failed, 0 skipped)
  exit 130
