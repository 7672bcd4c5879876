#!/usr/bin/python3
"""Generate the profile fixtures: tests/cases/profile/data.csv and expected.json.

    /usr/bin/python3 tests/quality/make_fixtures.py

Debian's python3 (pandas 1.5.3, scipy 1.10.1, numpy) computes the statistics dunya's profile
must reproduce (tests/unit/test_profile.c compares them to 1e-9 relative). The data is random
but seeded, so rerunning gives the same files. Columns:

    i     int64, -50..200, many zeros
    f     float64, log-normal (skewed), 10% missing
    g     float64, normal, no missing
    cat   string, 8 categories with distinct frequencies
    code  string, codes like "AB-1234" and "x12" (patterns)
    d     date
    b     bool
The last 7 rows repeat earlier rows (duplicate rows).
"""
import json
import os

import numpy as np
import pandas as pd
import scipy.stats

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "cases", "profile")
N = 3000

rng = np.random.default_rng(20240601)
i = rng.integers(-50, 201, N)
i[rng.random(N) < 0.15] = 0
f = np.round(rng.lognormal(1.0, 0.9, N), 4)
fmask = rng.random(N) < 0.10
g = rng.normal(10.0, 3.0, N)
cats = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"]
w = np.array([30, 22, 16, 12, 9, 6, 3, 2], dtype=float)
cat = rng.choice(cats, N, p=w / w.sum())
letters = np.array(list("ABCDEFGHIJ"))
code = []
for k in range(N):
    if rng.random() < 0.7:
        code.append("%s%s-%04d" % (rng.choice(letters), rng.choice(letters), rng.integers(0, 10000)))
    else:
        code.append("x%d" % rng.integers(0, 100))
d = pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 1500, N), unit="D")
b = rng.random(N) < 0.3

rows = []
for k in range(N):
    rows.append([str(i[k]), "" if fmask[k] else repr(float(f[k])), repr(float(g[k])), cat[k],
                 code[k], d[k].strftime("%Y-%m-%d"), "true" if b[k] else "false"])
for k in [5, 17, 17, 250, 999, 1500, 2999]:
    rows.append(list(rows[k]))
with open(os.path.join(OUT, "data.csv"), "w") as fh:
    fh.write("i,f,g,cat,code,d,b\n")
    for r in rows:
        fh.write(",".join(r) + "\n")

df = pd.read_csv(os.path.join(OUT, "data.csv"), float_precision="round_trip",
                 parse_dates=["d"], keep_default_na=True)
assert df["b"].dtype == bool

Q = [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99]


def num(x):
    return None if x is None or (isinstance(x, float) and np.isnan(x)) else float(x)


def top(s):
    vc = s.value_counts()
    counts = vc.value_counts()  # how many values share each count: ties order freely
    return [{"value": str(k), "count": int(v), "tie": bool(counts[v] > 1)}
            for k, v in vc.head(10).items()]


cols = {}
for name in ["i", "f", "g"]:
    s = df[name].dropna()
    hist, edges = np.histogram(s.to_numpy(), bins=20)
    cols[name] = {
        "count": int(s.count()), "missing": int(df[name].isna().sum()),
        "distinct": int(s.nunique()),
        "min": num(s.min()), "max": num(s.max()), "mean": num(s.mean()),
        "std": num(s.std()), "skew": num(s.skew()),
        "zeros": int((s == 0).sum()), "negatives": int((s < 0).sum()),
        "quantiles": [num(s.quantile(q)) for q in Q],
        "histogram": [int(h) for h in hist], "edges": [float(e) for e in edges],
        "top": top(s),
    }
    assert abs(s.skew() - scipy.stats.skew(s, bias=False)) <= 1e-9 * abs(s.skew())
for name in ["cat", "code"]:
    s = df[name].dropna()
    lens = s.str.len()
    cols[name] = {
        "count": int(s.count()), "missing": int(df[name].isna().sum()),
        "distinct": int(s.nunique()), "top": top(s),
        "len_min": int(lens.min()), "len_mean": float(lens.mean()), "len_max": int(lens.max()),
    }
s = df["d"]
cols["d"] = {"count": int(s.count()), "missing": int(s.isna().sum()),
             "distinct": int(s.nunique()), "min": s.min().strftime("%Y-%m-%d"),
             "max": s.max().strftime("%Y-%m-%d")}
s = df["b"]
cols["b"] = {"count": int(s.count()), "missing": 0, "distinct": int(s.nunique()),
             "mean": float(s.mean()), "top": [{"value": "true" if k else "false", "count": int(v)}
                                              for k, v in s.value_counts().items()]}

numeric = ["i", "f", "g", "b"]
sub = df[numeric].astype(float)
expected = {
    "rows": int(len(df)),
    "duplicate_rows": int(df.duplicated().sum()),
    "columns": cols,
    "corr_columns": numeric,
    "pearson": [[num(v) for v in row] for row in sub.corr(method="pearson").to_numpy()],
    "spearman": [[num(v) for v in row] for row in sub.corr(method="spearman").to_numpy()],
    # --target cat: rows and the mean of each numeric column per class
    "classes_cat": {str(k): {"count": int((df["cat"] == k).sum()),
                             "means": [num(v) for v in sub[df["cat"] == k].mean().to_numpy()]}
                    for k in df["cat"].unique()},
    "generator": "pandas %s, numpy %s, scipy %s" % (pd.__version__, np.__version__,
                                                    scipy.__version__),
}
with open(os.path.join(OUT, "expected.json"), "w") as fh:
    json.dump(expected, fh, indent=1)
    fh.write("\n")
