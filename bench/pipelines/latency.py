"""Scheduling latency of the newest run of a benchmark pipeline, from the metadata store.

chain: for every task, its start minus its upstream's end: prints p50 and p99 in ms.
fan_*: prints the fan-out spread (the last of the 1,000 middle tasks starts this long after
`start` ended: they are claimed one after another) and the fan-in latency (`end` starts this
long after the last middle task ended), in ms."""
import sqlite3, sys
db, pipeline = sys.argv[1], sys.argv[2]
c = sqlite3.connect(db)
run = c.execute("SELECT id FROM runs WHERE pipeline=? ORDER BY id DESC LIMIT 1",
                (pipeline,)).fetchone()[0]
rows = {t: (s, e) for t, s, e in c.execute(
    "SELECT task, started_at, ended_at FROM task_instances WHERE run=?", (run,))}
if pipeline == "chain":
    lat = sorted(rows[t][0] - rows["t%d" % (int(t[1:]) - 1)][1] for t in rows if t != "t0")
    pct = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))] / 1000.0
    print("chain p50 %.3f ms, p99 %.3f ms" % (pct(0.5), pct(0.99)))
else:
    mids = [t for t in rows if t not in ("start", "end")]
    spread = max(rows[t][0] for t in mids) - rows["start"][1]
    fan_in = rows["end"][0] - max(rows[t][1] for t in mids)
    print("fan-out spread %.1f ms, fan-in %.3f ms" % (spread / 1000.0, fan_in / 1000.0))
