Run state: `dunya runs`, `status`, `logs`, `pause` / `unpause` and `backfill`, on a copy of the
runs project. Start times and durations are cut; only the pipelines this file uses are shown
by `status`.

Before anything has run there is no metadata store, and reading the state does not create one.

  $ cp -r projects/runs $TMP/p && cd $TMP/p && dunya runs && dunya status | grep -E '^(pipeline|daily|flow|retry) ' && test ! -e .dunya/meta.db && echo "still no store"
  no runs yet
  pipeline  schedule  paused  last_run  state  started
  daily     @daily    no      -         -      -
  flow      manual    no      -         -      -
  retry     manual    no      -         -      -
  still no store

  $ cd $TMP/p && dunya logs flow latest extract
  dunya: error: no runs yet in this project (run one with `dunya run PIPELINE`)
  [1]

Three runs: flow fails at its check task, retry fails after flaky's third try, daily succeeds.

  $ cd $TMP/p && for a in "flow --date 2024-01-31" "retry --date 2024-01-01" "daily --date 2024-01-10"; do dunya run $a --parallelism 1 >/dev/null 2>&1; echo "exit $?"; done
  exit 1
  exit 1
  exit 0

`dunya runs`: newest data interval first, as a table or JSON lines.

  $ cd $TMP/p && dunya runs | sed 's/ [0-9.]*s$/ T/'
  run_id                        pipeline  kind    state    interval_start        duration
  manual__2024-01-31T00:00:00Z  flow      manual  failed   2024-01-31T00:00:00Z  T
  manual__2024-01-10T00:00:00Z  daily     manual  success  2024-01-10T00:00:00Z  T
  manual__2024-01-01T00:00:00Z  retry     manual  failed   2024-01-01T00:00:00Z  T

  $ cd $TMP/p && dunya runs -n 1 | sed 's/ [0-9.]*s$/ T/'
  run_id                        pipeline  kind    state   interval_start        duration
  manual__2024-01-31T00:00:00Z  flow      manual  failed  2024-01-31T00:00:00Z  T

  $ cd $TMP/p && dunya runs flow --json | sed 's/"started_at":"[^"]*","ended_at":"[^"]*","duration_s":[0-9.]*/TIMES/'
  {"run_id":"manual__2024-01-31T00:00:00Z","pipeline":"flow","kind":"manual","state":"failed","interval_start":"2024-01-31T00:00:00Z","interval_end":"2024-01-31T00:00:00Z",TIMES}

  $ cd $TMP/p && dunya runs sensor
  no runs of sensor yet

`dunya status`: every pipeline's schedule, paused flag and latest run; with a pipeline, the task
instances of its latest run.

  $ cd $TMP/p && dunya status | grep -E '^(pipeline|daily|flow|retry) ' | sed 's/  [0-9T:-]*Z$/  WHEN/'
  pipeline  schedule  paused  last_run                      state    started
  daily     @daily    no      manual__2024-01-10T00:00:00Z  success  WHEN
  flow      manual    no      manual__2024-01-31T00:00:00Z  failed   WHEN
  retry     manual    no      manual__2024-01-01T00:00:00Z  failed   WHEN

  $ cd $TMP/p && dunya status retry | sed 's/  [0-9T:-]*Z$/  WHEN/; s/ [0-9.]*s$/ T/'
  pipeline  schedule  paused  last_run                      state   started
  retry     manual    no      manual__2024-01-01T00:00:00Z  failed  WHEN
  
  run manual__2024-01-01T00:00:00Z: failed, interval 2024-01-01T00:00:00Z to 2024-01-01T00:00:00Z
  task        state            try  duration
  flaky       success          3/3  T
  slow        failed           1/1  T
  after_slow  upstream_failed  0/1  -

  $ cd $TMP/p && dunya status sensor | sed 's/  [0-9T:-]*Z$/  WHEN/'
  pipeline  schedule  paused  last_run  state  started
  sensor    manual    no      -         -      -
  
  no runs of sensor yet

`dunya logs`: the latest try by default, another with --try; a noop task writes no log.

  $ cd $TMP/p && dunya logs flow latest extract
  extracting eu for 2024-01-31
  ::output rows=42

  $ cd $TMP/p && dunya logs flow manual__2024-01-31T00:00:00Z cleanup
  cleaning up after manual__2024-01-31T00:00:00Z

  $ cd $TMP/p && dunya logs retry latest flaky --try 1
  dunya: exit code 1

  $ cd $TMP/p && dunya logs retry latest flaky --try 3

  $ cd $TMP/p && dunya logs flow latest always
  dunya: note: try 1 of task always wrote no log (.dunya/logs/flow/manual__2024-01-31T00:00:00Z/always.1.log)

Unknown runs, tasks and tries are errors (exit 1); a bad command line exits 2.

  $ cd $TMP/p && dunya logs flow manual__2024-02-01T00:00:00Z extract
  dunya: error: pipeline flow has no run 'manual__2024-02-01T00:00:00Z' (`dunya runs flow` lists them)
  [1]

  $ cd $TMP/p && dunya logs flow latest nosuch
  dunya: error: run manual__2024-01-31T00:00:00Z of flow has no task 'nosuch' (its tasks: extract, load, verify, check, report, cleanup, always)
  [1]

  $ cd $TMP/p && dunya logs flow latest report
  dunya: error: task report of run manual__2024-01-31T00:00:00Z has not run (state upstream_failed)
  [1]

  $ cd $TMP/p && dunya logs retry latest flaky --try 4
  dunya: error: task flaky of run manual__2024-01-01T00:00:00Z has no try 4 (tries 1 to 3)
  [1]

  $ cd $TMP/p && dunya logs flow latest extract --try 2
  dunya: error: task extract of run manual__2024-01-31T00:00:00Z has no try 2 (it ran once)
  [1]

  $ cd $TMP/p && dunya logs nosuch latest extract
  dunya: error: pipeline nosuch has no runs
  [1]

  $ cd $TMP/p && dunya logs flow latest
  dunya: usage error: name the PIPELINE, the RUN_ID (or latest) and the TASK (see `dunya logs --help`)
  [2]

  $ cd $TMP/p && dunya logs flow latest extract --try 0
  dunya: usage error: --try takes a number from 1 to 1000000 (see `dunya logs --help`)
  [2]

Pausing sets a flag in the store that the scheduler honours and `status` shows.

  $ cd $TMP/p && dunya pause daily && dunya status | grep -E '^(pipeline|daily) ' | sed 's/  [0-9T:-]*Z$/  WHEN/'
  daily: paused (the scheduler starts no new runs of it until `dunya unpause daily`)
  pipeline  schedule  paused  last_run                      state    started
  daily     @daily    yes     manual__2024-01-10T00:00:00Z  success  WHEN

  $ cd $TMP/p && dunya pause daily && dunya unpause daily && dunya status | grep -E '^daily ' | sed 's/  [0-9T:-]*Z$/  WHEN/'
  daily: paused (the scheduler starts no new runs of it until `dunya unpause daily`)
  daily: unpaused
  daily     @daily    no      manual__2024-01-10T00:00:00Z  success  WHEN

  $ cd $TMP/p && dunya pause nosuch
  dunya: error: no pipeline with id 'nosuch' in this project (`dunya validate` lists them)
  [2]

  $ cd $TMP/p && dunya unpause
  dunya: usage error: name the pipeline to unpause (see `dunya unpause --help`)
  [2]

Backfill: every interval of the schedule whose start is in [--from, --to], oldest first. Each
run sees its own day as {{ ds }}.

  $ cd $TMP/p && dunya backfill daily --from 2024-01-01 --to 2024-01-03
  2024-01-01T00:00:00+00:00  ran: success (backfill__2024-01-01T00:00:00Z)
  2024-01-02T00:00:00+00:00  ran: success (backfill__2024-01-02T00:00:00Z)
  2024-01-03T00:00:00+00:00  ran: success (backfill__2024-01-03T00:00:00Z)
  backfill of daily: 3 intervals, 3 ran (3 succeeded, 0 failed), 0 skipped

  $ cd $TMP/p && dunya logs daily backfill__2024-01-02T00:00:00Z hello
  hello 2024-01-02

  $ cd $TMP/p && dunya runs daily | sed 's/ [0-9.]*s$/ T/'
  run_id                          pipeline  kind      state    interval_start        duration
  manual__2024-01-10T00:00:00Z    daily     manual    success  2024-01-10T00:00:00Z  T
  backfill__2024-01-03T00:00:00Z  daily     backfill  success  2024-01-03T00:00:00Z  T
  backfill__2024-01-02T00:00:00Z  daily     backfill  success  2024-01-02T00:00:00Z  T
  backfill__2024-01-01T00:00:00Z  daily     backfill  success  2024-01-01T00:00:00Z  T

Again: intervals that already succeeded are skipped, whatever kind of run succeeded (2024-01-10
was a manual run).

  $ cd $TMP/p && dunya backfill daily --from 2024-01-01 --to 2024-01-03
  2024-01-01T00:00:00+00:00  skipped: already succeeded
  2024-01-02T00:00:00+00:00  skipped: already succeeded
  2024-01-03T00:00:00+00:00  skipped: already succeeded
  backfill of daily: 3 intervals, 0 ran (0 succeeded, 0 failed), 3 skipped

  $ cd $TMP/p && dunya backfill daily --from 2024-01-09 --to 2024-01-10
  2024-01-09T00:00:00+00:00  ran: success (backfill__2024-01-09T00:00:00Z)
  2024-01-10T00:00:00+00:00  skipped: already succeeded
  backfill of daily: 2 intervals, 1 ran (1 succeeded, 0 failed), 1 skipped

--rerun runs them again, as new runs with their own ids and logs.

  $ cd $TMP/p && dunya backfill daily --from 2024-01-01 --to 2024-01-03 --rerun --parallelism 2
  2024-01-01T00:00:00+00:00  ran: success (backfill__2024-01-01T00:00:00Z__2)
  2024-01-02T00:00:00+00:00  ran: success (backfill__2024-01-02T00:00:00Z__2)
  2024-01-03T00:00:00+00:00  ran: success (backfill__2024-01-03T00:00:00Z__2)
  backfill of daily: 3 intervals, 3 ran (3 succeeded, 0 failed), 0 skipped

  $ cd $TMP/p && dunya logs daily backfill__2024-01-03T00:00:00Z__2 hello
  hello 2024-01-03

A failed interval is reported and makes the exit code 1; the next backfill tries it again.

  $ cd $TMP/p && dunya backfill daily --from 2023-12-31 --to 2024-01-01
  2023-12-31T00:00:00+00:00  ran: failed (backfill__2023-12-31T00:00:00Z: 1 task failed)
  2024-01-01T00:00:00+00:00  skipped: already succeeded
  backfill of daily: 2 intervals, 1 ran (0 succeeded, 1 failed), 1 skipped
  [1]

  $ cd $TMP/p && dunya backfill daily --from 2023-12-31T00:00:00Z --to 2023-12-31T12:00
  2023-12-31T00:00:00+00:00  ran: failed (backfill__2023-12-31T00:00:00Z__2: 1 task failed)
  backfill of daily: 1 interval, 1 ran (0 succeeded, 1 failed), 0 skipped
  [1]

A range with no fire time in it runs nothing.

  $ cd $TMP/p && dunya backfill daily --from 2024-01-01T06:00 --to 2024-01-01T18:00
  backfill of daily: 0 intervals, 0 ran (0 succeeded, 0 failed), 0 skipped

Refused: a pipeline without a cron schedule, an unknown pipeline, a reversed or missing range,
a bad date, more than 10,000 intervals.

  $ cd $TMP/p && dunya backfill flow --from 2024-01-01 --to 2024-01-02
  dunya: usage error: pipeline flow has no cron schedule, so it has no data intervals to backfill; run it for a date with `dunya run flow --date D` (see `dunya backfill --help`)
  [2]

  $ cd $TMP/p && dunya backfill nosuch --from 2024-01-01 --to 2024-01-02
  dunya: error: no pipeline with id 'nosuch' in this project (`dunya validate` lists them)
  [2]

  $ cd $TMP/p && dunya backfill daily --from 2024-01-05 --to 2024-01-01
  dunya: usage error: --from 2024-01-05 is after --to 2024-01-01 (see `dunya backfill --help`)
  [2]

  $ cd $TMP/p && dunya backfill daily --from 2024-01-05
  dunya: usage error: give the range: --from D --to D (see `dunya backfill --help`)
  [2]

  $ cd $TMP/p && dunya backfill daily --from 2024-13-01 --to 2024-12-31
  dunya: usage error: --from takes an ISO-8601 date or time such as 2024-03-10, 2024-03-10T09:00 or 2024-03-10T09:00:00Z, not '2024-13-01' (see `dunya backfill --help`)
  [2]

  $ cd $TMP/p && dunya backfill daily --from 1990-01-01 --to 2024-12-31
  dunya: usage error: more than 10000 intervals of daily (@daily) start between --from and --to; backfill a shorter range at a time (see `dunya backfill --help`)
  [2]

  $ cd $TMP/p && dunya backfill daily --from 2024-01-01 --to 2024-01-02 --parallelism 0
  dunya: usage error: --parallelism takes a number from 1 to 4096 (see `dunya backfill --help`)
  [2]

Ctrl-C stops a backfill: the run under way is cancelled as `dunya run` cancels one (its task's
process group ends), no further interval starts, and the exit code is 130.

  $ cd $TMP/p && printf 'id: slow\nschedule: "@daily"\ntasks:\n  - id: s\n    type: shell\n    params:\n      command: echo $$ > s.pid; sleep 30 & wait\n' > pipelines/slow.yaml && (dunya backfill slow --from 2024-01-01 --to 2024-01-03 & p=$!; while [ ! -s s.pid ]; do sleep 0.05; done; kill -INT $p; wait $p; echo "exit $?")
  2024-01-01T00:00:00+00:00  ran: cancelled (backfill__2024-01-01T00:00:00Z)
  backfill of slow: 3 intervals, 1 ran (0 succeeded, 1 failed), 0 skipped
  stopped: 2 intervals not run
  exit 130

  $ cd $TMP/p && sleep 0.2 && kill -0 "$(cat s.pid)" 2>/dev/null || echo "the task's shell is gone"
  the task's shell is gone
