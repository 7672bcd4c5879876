#!/usr/bin/python3
"""pandas' nearest to a profile: read the CSV, describe(include="all"), null and distinct counts.

    /usr/bin/python3 bench/profile/pandas_profile.py FILE.csv

"seconds" covers read_csv through the last statistic (pandas already imported);
bench/profile/run also times the whole process from outside.
"""
import json
import sys
import time

import pandas as pd


def vm_hwm_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return None


def main():
    if len(sys.argv) != 2:
        print("usage: pandas_profile.py FILE.csv", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    df = pd.read_csv(sys.argv[1], parse_dates=["ts"])
    desc = df.describe(include="all", datetime_is_numeric=True)
    nulls = df.isna().sum()
    distinct = df.nunique()
    seconds = time.perf_counter() - t0
    print(json.dumps({"tool": "pandas describe", "version": pd.__version__,
                      "seconds": round(seconds, 4), "peak_rss_mb": vm_hwm_mb(),
                      "rows": len(df), "columns": int(desc.shape[1]),
                      "nulls": int(nulls.sum()), "distinct_total": int(distinct.sum())}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
