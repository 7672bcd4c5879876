The scheduler: due intervals become runs named scheduled__START (catchup runs every missed
interval, max_active_runs at a time; without catchup only the newest); an interval never runs
twice; paused pipelines wait; a run left by a scheduler killed with -9 is resumed; SIGTERM stops
cleanly. --now fixes the clock and --once exits when what is due has run.

  $ cp -r projects/sched $TMP/p && cd $TMP/p && dunya pause hangs && dunya scheduler --once --now 2024-01-04T12:00:00Z 2>&1 | grep -c ': started'
  hangs: paused (the scheduler starts no new runs of it until `dunya unpause hangs`)
  4

  $ cd $TMP/p && dunya runs | awk '{print $1, $2, $4}' | sort
  run_id pipeline state
  scheduled__2024-01-01T00:00:00Z daily success
  scheduled__2024-01-02T00:00:00Z daily success
  scheduled__2024-01-03T00:00:00Z daily success
  scheduled__2024-01-03T11:00:00Z latest success

  $ cd $TMP/p && dunya logs daily scheduled__2024-01-02T00:00:00Z hello
  hello 2024-01-02

  $ cd $TMP/p && dunya scheduler --once --now 2024-01-04T12:00:00Z 2>&1 | grep -c ': started'
  0
  [1]

  $ cd $TMP/p && dunya scheduler --once --now 2024-01-06T12:00:00Z 2>&1 | grep ': started' | sed 's/^.*info  //; s/ (pid [0-9]*)//' | sort
  daily scheduled__2024-01-04T00:00:00Z: started
  daily scheduled__2024-01-05T00:00:00Z: started
  latest scheduled__2024-01-05T11:00:00Z: started

  $ cd $TMP/p && touch hang && dunya unpause hangs && (dunya scheduler --now 2024-01-04T12:00:00Z >/dev/null 2>&1 & p=$!; while [ ! -s sleeper.pid ]; do sleep 0.05; done; pkill -9 -P $p; kill -9 $p; wait $p; sleep 0.2) 2>/dev/null; kill -0 "$(cat sleeper.pid)" && echo "the task outlived its runner"; dunya runs hangs | awk '{print $1, $4}'
  hangs: unpaused
  the task outlived its runner
  run_id state
  scheduled__2024-01-03T00:00:00Z running

  $ cd $TMP/p && rm hang && mv sleeper.pid orphan.pid && dunya scheduler --once --now 2024-01-04T12:00:00Z 2>&1 | grep -E 'recovering|: success|: failed' | sed 's/^.*info  //'; sleep 0.2; st=$(awk '/^State/ {print $2}' "/proc/$(cat orphan.pid)/status" 2>/dev/null); [ -z "$st" ] || [ "$st" = Z ] && echo "the orphan was ended"
  hangs scheduled__2024-01-03T00:00:00Z: recovering a run left by a stopped scheduler
  hangs scheduled__2024-01-03T00:00:00Z: success
  the orphan was ended

  $ cd $TMP/p && dunya logs hangs scheduled__2024-01-03T00:00:00Z step --try 2
  finished

  $ cd $TMP/p && touch hang && (dunya scheduler --now 2024-01-05T12:00:00Z > sched.log 2>&1 & p=$!; while [ ! -s sleeper.pid ]; do sleep 0.05; done; kill -TERM $p; wait $p; echo "exit $?"); grep -E 'stopping|: failed|stopped' sched.log | sed 's/^.*info  //'
  exit 0
  stopping: asking 1 running run to stop
  hangs scheduled__2024-01-04T00:00:00Z: step failed: cancelled: the run was stopped (try 1)
  hangs scheduled__2024-01-04T00:00:00Z: failed
  scheduler stopped

  $ cd $TMP/p && dunya runs hangs | awk '{print $1, $4}'
  run_id state
  scheduled__2024-01-04T00:00:00Z failed
  scheduled__2024-01-03T00:00:00Z success
