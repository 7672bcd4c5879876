Arrival delay of a lake dataset's partitions: each partition arrived with the first commit
that listed a file of it, and was due at the end of its day. The commit times are set here by
editing the commit records, as if the loads had run then.

  $ mkdir $TMP/p && cd $TMP/p && printf 'name: a\nlake:\n  root: lake\n' > dunya.yaml && printf 'id,v\n1,2\n' > d.csv
  $ cd $TMP/p && for d in 2024-01-01 2024-01-02; do dunya -q lake write d.csv raw/events --partition ds=$d > /dev/null; done && dunya -q lake write d.csv raw/events --partition ds=2024-01-01 > /dev/null
  $ cd $TMP/p/lake/raw/events/_dunya/commits && sed -i 's/"committed_at":"[^"]*"/"committed_at":"2024-01-02T03:00:00Z"/' *1.json && sed -i 's/"committed_at":"[^"]*"/"committed_at":"2024-01-03T09:30:00Z"/' *2.json && sed -i 's/"committed_at":"[^"]*"/"committed_at":"2024-01-09T00:00:00Z"/' *3.json
  $ cd $TMP/p && printf 'suite: events\nchecks:\n  - arrival_delay: {partition: ds, max: 6h}\n  - arrival_delay: {partition: ds, max: 12h, name: relaxed}\n  - arrival_delay: {partition: region, max: 1h}\n' > s.yaml && dunya -q check lake:raw/events --suite s.yaml
  events on lake:raw/events: 3 rows
    fail    arrival_delay(partition ds): 9h 30m (expected delay <= 6h) - partition ds=2024-01-02 arrived 9h 30m after it was due
    pass    relaxed: 9h 30m (expected delay <= 12h)
    skipped arrival_delay(partition region) (expected delay <= 1h) - no partition region=DATE or TIMESTAMP in the dataset's commits
  3 checks: 1 passed, 0 warned, 1 failed, 1 skipped; score 50.0%
  [1]
  $ cd $TMP/p && dunya -q check d.csv --suite s.yaml
  events on d.csv: 1 rows
    skipped arrival_delay(partition ds) (expected delay <= 6h) - partition arrivals come from a lake dataset's commits; the target is not one
    skipped relaxed (expected delay <= 12h) - partition arrivals come from a lake dataset's commits; the target is not one
    skipped arrival_delay(partition region) (expected delay <= 1h) - partition arrivals come from a lake dataset's commits; the target is not one
  3 checks: 0 passed, 0 warned, 0 failed, 3 skipped

The two forms do not mix, and the partition form needs max.

  $ cd $TMP/p && printf 'suite: bad\nchecks:\n  - arrival_delay: {partition: ds, column: a, event_column: b, max: 1h}\n  - arrival_delay: {partition: ds}\n' > bad.yaml && dunya -q check lake:raw/events --suite bad.yaml
  dunya: error: bad.yaml:3:20: arrival_delay takes either partition (a lake dataset's partition column) or column and event_column, not both
  dunya: error: bad.yaml:4:20: arrival_delay needs column (when rows arrived) and event_column (the time or date they are about), or partition (a lake dataset's partition column, judged by its commits); and max (e.g. 6h)
  [2]
