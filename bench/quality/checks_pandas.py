#!/usr/bin/python3
"""The ten checks of bench/quality/suite.yaml in pandas, as a pandas user would write them:
read the CSV, then one vectorised expression per check. Prints the failing counts (they must
match dunya's) and the seconds from read_csv to the last check.

    /usr/bin/python3 bench/quality/checks_pandas.py FILE.csv [--usecols]

--usecols reads only the six columns the checks use (read_csv's usecols), as a pandas user
would on a wide file.
"""
import json
import sys
import time

import pandas as pd

CATEGORIES = ["automotive", "beauty", "books", "clothing", "electronics", "furniture", "garden",
              "grocery", "health", "jewelry", "kitchen", "movies", "music", "office", "pets",
              "shoes", "sports", "tools", "toys", "travel"]
EMAIL = r"^[^@\s]+@[^@.\s][^@\s]*\.[^@\s.]+$"


def main():
    if len(sys.argv) not in (2, 3) or sys.argv[2:] not in ([], ["--usecols"]):
        print("usage: checks_pandas.py FILE.csv [--usecols]", file=sys.stderr)
        return 2
    cols = ["id", "ts", "category", "amount", "quantity", "email"] if sys.argv[2:] else None
    t0 = time.perf_counter()
    df = pd.read_csv(sys.argv[1], parse_dates=["ts"], usecols=cols)
    now = pd.Timestamp.now(tz="UTC").tz_localize(None)
    email = df["email"].dropna()
    out = {
        "row_count": len(df),
        "not_null(id)": int(df["id"].isna().sum()),
        "unique(id)": int(df["id"].dropna().duplicated().sum()),
        "missing_percent(email)": float(df["email"].isna().mean() * 100),
        "range(amount)": int((~df["amount"].dropna().between(0, 100000)).sum()),
        "range(quantity)": int((~df["quantity"].dropna().between(0, 10000)).sum()),
        "accepted_values(category)": int((~df["category"].dropna().isin(CATEGORIES)).sum()),
        "format(email)": int((~email.str.match(EMAIL)).sum()),
        "length(email)": int((~email.str.len().between(5, 64)).sum()),
        "freshness(ts)": (now - df["ts"].max().tz_localize(None)).total_seconds(),
    }
    out["seconds"] = round(time.perf_counter() - t0, 3)
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
