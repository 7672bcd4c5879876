#!/usr/bin/python3
"""Load a CSV with pandas and report rows, seconds and peak RSS as JSON.

    /usr/bin/python3 bench/pandas_read_csv.py FILE.csv

"seconds" covers pd.read_csv(FILE, parse_dates=["ts"]) only (pandas already imported);
bench/run also times the whole process from outside.
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
        print("usage: pandas_read_csv.py FILE.csv", file=sys.stderr)
        return 2
    path = sys.argv[1]
    t0 = time.perf_counter()
    df = pd.read_csv(path, parse_dates=["ts"])
    seconds = time.perf_counter() - t0
    print(json.dumps({
        "tool": "pandas",
        "version": pd.__version__,
        "file": path,
        "rows": len(df),
        "seconds": round(seconds, 4),
        "peak_rss_mb": vm_hwm_mb(),
        "columns": [f"{c}:{t}" for c, t in df.dtypes.items()],
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
