Clearing a run: its failed tasks and their downstream run again, succeeded tasks keep their
results, attempt numbers go on; a run whose runner was killed with -9 is recovered: the task it
left running counts as a failed attempt and runs again.

  $ cp -r projects/clear $TMP/p && cd $TMP/p && dunya run fixme --date 2024-01-01 --parallelism 1 2>&1 | grep -v queued | sed 's/^ *[0-9.]*s  //; s/ in [0-9.]* s / in T s /'
  a     running
  a     success
  b     running
  b     failed: exit code 1
  c     upstream_failed
  run manual__2024-01-01T00:00:00Z of fixme: failed in T s (1 succeeded, 2 failed, 0 skipped)

  $ cd $TMP/p && touch fixed && dunya clear fixme latest 2>&1 | grep -v queued | sed 's/^ *[0-9.]*s  //; s/ in [0-9.]* s / in T s /'
  b     running (try 2)
  b     success (try 2)
  c     running
  c     success
  run manual__2024-01-01T00:00:00Z of fixme: success in T s (3 succeeded, 0 failed, 0 skipped)

  $ cd $TMP/p && cat a.count
  a

  $ cd $TMP/p && dunya clear fixme latest --task c 2>&1 | tail -1 | sed 's/ in [0-9.]* s / in T s /'
  run manual__2024-01-01T00:00:00Z of fixme: success in T s (3 succeeded, 0 failed, 0 skipped)

  $ cd $TMP/p && dunya clear fixme nosuch-run
  dunya: error: pipeline fixme has no run nosuch-run (`dunya runs fixme` lists them)
  [1]

  $ cd $TMP/p && dunya clear fixme latest --task nosuch
  dunya: error: pipeline fixme has no task nosuch
  [2]

  $ cd $TMP/p && touch hang && (dunya run crashy --date 2024-01-01 >/dev/null 2>&1 & p=$!; while [ ! -s sleeper.pid ]; do sleep 0.05; done; kill -9 $p; wait $p; echo "runner killed: $?") 2>/dev/null; kill "$(cat sleeper.pid)"
  runner killed: 137

  $ cd $TMP/p && rm hang && dunya clear crashy latest 2>&1 | grep -v queued | sed 's/^ *[0-9.]*s  //; s/ in [0-9.]* s / in T s /'
  step   running (try 2)
  step   success (try 2)
  after  running
  after  success
  run manual__2024-01-01T00:00:00Z of crashy: success in T s (2 succeeded, 0 failed, 0 skipped)

  $ cd $TMP/p && dunya logs crashy latest step --try 2
  finished
