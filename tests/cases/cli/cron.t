dunya cron: the next fire times of a schedule, in ISO-8601 with the zone's offset.

  $ dunya cron "*/15 9-10 * * MON-FRI" --from 2024-03-08T10:20Z -n 4
  2024-03-08T10:30:00+00:00
  2024-03-08T10:45:00+00:00
  2024-03-11T09:00:00+00:00
  2024-03-11T09:15:00+00:00

The default is five times; @macros work.

  $ dunya cron @monthly --from 2024-01-15T00:00Z
  2024-02-01T00:00:00+00:00
  2024-03-01T00:00:00+00:00
  2024-04-01T00:00:00+00:00
  2024-05-01T00:00:00+00:00
  2024-06-01T00:00:00+00:00

Day of month and day of week both restricted: either one matches.

  $ dunya cron "0 0 13 * FRI" --from 2024-09-01T00:00Z -n 3
  2024-09-06T00:00:00+00:00
  2024-09-13T00:00:00+00:00
  2024-09-20T00:00:00+00:00

February 29 only in leap years.

  $ dunya cron "0 0 29 2 *" --from 2023-03-01T00:00Z -n 2
  2024-02-29T00:00:00+00:00
  2028-02-29T00:00:00+00:00

Spring forward in New York: 02:30 does not exist on 2024-03-10 and fires at 03:00 EDT. A --from
without an offset is wall-clock time in --tz.

  $ dunya cron "30 2 * * *" --tz America/New_York --from 2024-03-09T12:00 -n 3
  2024-03-10T03:00:00-04:00
  2024-03-11T02:30:00-04:00
  2024-03-12T02:30:00-04:00

Fall back: 01:30 happens twice on 2024-11-03 and fires once, the first time.

  $ dunya cron "30 1 * * *" --tz America/New_York --from 2024-11-02 -n 3
  2024-11-02T01:30:00-04:00
  2024-11-03T01:30:00-04:00
  2024-11-04T01:30:00-05:00

Paris, both changes of 2024.

  $ dunya cron "30 2 * * *" --tz Europe/Paris --from 2024-03-30T12:00+01:00 -n 2
  2024-03-31T03:00:00+02:00
  2024-04-01T02:30:00+02:00

  $ dunya cron "30 2 * * *" --tz Europe/Paris --from 2024-10-26T12:00 -n 2
  2024-10-27T02:30:00+02:00
  2024-10-28T02:30:00+01:00

Bad expressions name the field and the column, and exit 1.

  $ dunya cron "61 * * * *"
  dunya: error: minute field: 61 is out of range 0-59 (column 1)
  [1]

  $ dunya cron "0 0 * FOO *"
  dunya: error: month field: unknown name 'FOO' (use JAN-DEC or 1-12) (column 7)
  [1]

  $ dunya cron "* * * *"
  dunya: error: expected 5 fields (minute hour day-of-month month day-of-week), found 4: the day-of-week field is missing (column 8)
  [1]

  $ dunya cron @once
  dunya: error: @once is not a repeating schedule: a pipeline with `schedule: @once` runs one time, started by the scheduler (column 1)
  [1]

  $ dunya cron "0 0 30 2 *" --from 2024-01-01T00:00Z
  dunya: error: the schedule never fires: none of its months has any of its days of the month (February has 29 days at most; April, June, September and November 30)
  [1]

  $ dunya cron "0 0 * * *" --tz America/New_Yrok
  dunya: error: unknown time zone 'America/New_Yrok' (did you mean 'America/New_York'?)
  [1]

Usage errors exit 2.

  $ dunya cron
  dunya: usage error: name a schedule, e.g. dunya cron "0 9 * * 1-5" (see `dunya cron --help`)
  [2]

  $ dunya cron 0 9 "*" "*" 1
  dunya: usage error: one expression only ('9' is extra); quote it: dunya cron "0 9 * * 1-5" (see `dunya cron --help`)
  [2]

  $ dunya cron "0 9 * * *" -n 0
  dunya: usage error: -n takes a number from 1 to 100000 (see `dunya cron --help`)
  [2]

  $ dunya cron "0 9 * * *" --from yesterday
  dunya: usage error: --from takes an ISO-8601 date or time such as 2024-03-10, 2024-03-10T09:00 or 2024-03-10T09:00:00-05:00, not 'yesterday' (see `dunya cron --help`)
  [2]

  $ dunya cron "0 9 * * *" --tz
  dunya: usage error: --tz needs a value (see `dunya cron --help`)
  [2]

  $ dunya cron "0 9 * * *" --every 5
  dunya: usage error: unknown option '--every' (see `dunya cron --help`)
  [2]

  $ dunya cron --help | head -1
  usage: dunya cron "EXPR" [--from TIME] [--tz ZONE] [-n N]
