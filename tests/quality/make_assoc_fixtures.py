#!/usr/bin/python3
"""Generate the association fixtures: tests/cases/profile/assoc.csv and assoc_expected.json.

    /usr/bin/python3 tests/quality/make_assoc_fixtures.py

scipy 1.10 computes each feature's association with each of three targets, as docs/quality.md
defines them (tests/unit/test_profile.c compares): y_bin (0/1 int, binary), y_cls (string,
three classes) and y_num (float). Also Cramér's V between the string and bool columns, and
reference values of the distributions behind the p-values (mpmath). Columns:

    x1    float64, shifted by y_bin, related to y_num, 5% missing
    x2    int64, noise
    x3    string, 5 levels, depends on y_cls
    x4    bool, depends on y_bin
    x5    float64 with many ties (rounded), shifted by y_cls
    y_bin, y_cls, y_num  the targets
"""
import json
import os

import mpmath as mp

import numpy as np
import pandas as pd
import scipy
import scipy.stats as st
from scipy.stats.contingency import association

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "cases", "profile")
N = 2000

rng = np.random.default_rng(20241124)
y_bin = (rng.random(N) < 0.35).astype(int)
y_cls = rng.choice(["north", "south", "west"], N, p=[0.5, 0.3, 0.2])
y_num = rng.normal(50, 10, N)
x1 = np.round(rng.normal(0, 1, N) + 0.4 * y_bin + 0.05 * (y_num - 50), 6)
x1_missing = rng.random(N) < 0.05
x2 = rng.integers(0, 1000, N)
levels = ["a", "b", "c", "d", "e"]
x3 = np.array([rng.choice(levels, p=[0.4, 0.2, 0.2, 0.1, 0.1] if c == "north" else
                          [0.1, 0.3, 0.2, 0.2, 0.2]) for c in y_cls])
x4 = rng.random(N) < (0.3 + 0.3 * y_bin)
shift = {"north": 0.0, "south": 0.5, "west": 1.0}
x5 = np.round(rng.normal(0, 1, N) + np.array([shift[c] for c in y_cls]), 1)

with open(os.path.join(OUT, "assoc.csv"), "w") as fh:
    fh.write("x1,x2,x3,x4,x5,y_bin,y_cls,y_num\n")
    for k in range(N):
        fh.write("%s,%d,%s,%s,%s,%d,%s,%s\n" % (
            "" if x1_missing[k] else repr(float(x1[k])), x2[k], x3[k],
            "true" if x4[k] else "false", repr(float(x5[k])), y_bin[k], y_cls[k],
            repr(float(y_num[k]))))

df = pd.read_csv(os.path.join(OUT, "assoc.csv"), float_precision="round_trip")
NUMERIC = ["x1", "x2", "x5", "y_bin", "y_num"]
CATEGORICAL = ["x3", "x4", "y_cls"]


def eta2(groups):
    allv = np.concatenate(groups)
    grand = allv.mean()
    ssb = sum(len(g) * (g.mean() - grand) ** 2 for g in groups)
    ssw = sum(((g - g.mean()) ** 2).sum() for g in groups)
    return ssb / (ssb + ssw)


def chi2(feature, target):
    tab = pd.crosstab(df[feature], df[target]).to_numpy()
    c, p, dof, _ = st.chi2_contingency(tab)
    plain = st.chi2_contingency(tab, correction=False)[0]
    k = min(tab.shape)
    return {"test": "chi2", "statistic": c, "df": dof, "p": p,
            "effect": plain / (tab.sum() * (k - 1)), "rows": int(tab.sum())}


def anova(values, by):
    sub = df[[values, by]].dropna()
    groups = [g[values].to_numpy(dtype=float) for _, g in sub.groupby(by)]
    f, p = st.f_oneway(*groups)
    return {"test": "anova", "statistic": f, "df": len(groups) - 1,
            "df2": len(sub) - len(groups), "p": p, "effect": eta2(groups), "rows": len(sub)}


def assoc(target):
    out = {}
    if target == "y_bin":
        for x in NUMERIC:
            if x == target:
                continue
            sub = df[[x, target]].dropna()
            lo = sub[sub[target] == 0][x].to_numpy(dtype=float)
            hi = sub[sub[target] == 1][x].to_numpy(dtype=float)
            t = st.ttest_ind(hi, lo, equal_var=False)
            va, vb = lo.var(ddof=1) / len(lo), hi.var(ddof=1) / len(hi)
            dfw = (va + vb) ** 2 / (va ** 2 / (len(lo) - 1) + vb ** 2 / (len(hi) - 1))
            mw = st.mannwhitneyu(hi, lo, method="asymptotic", use_continuity=True)
            d = st.ks_2samp(hi, lo).statistic
            en = len(lo) * len(hi) / (len(lo) + len(hi))
            out[x] = {"test": "welch", "statistic": t.statistic, "df": dfw, "p": t.pvalue,
                      "effect": eta2([lo, hi]), "rows": len(sub),
                      "mann_whitney_u": mw.statistic, "mann_whitney_p": mw.pvalue,
                      "ks_d": d, "ks_p": st.kstwobign.sf(np.sqrt(en) * d)}
        for x in CATEGORICAL:
            out[x] = chi2(x, target)
    elif target == "y_cls":
        for x in NUMERIC:
            out[x] = anova(x, target)
        for x in CATEGORICAL:
            if x != target:
                out[x] = chi2(x, target)
    else:
        for x in NUMERIC:
            if x == target:
                continue
            sub = df[[x, target]].dropna()
            r, p = st.pearsonr(sub[x].astype(float), sub[target])
            out[x] = {"test": "pearson", "statistic": r, "df": len(sub) - 2, "p": p,
                      "effect": r * r, "rows": len(sub)}
        for x in CATEGORICAL:
            out[x] = anova(target, x)
    order = sorted(out, key=lambda k: -out[k]["effect"])
    for i, k in enumerate(order):
        out[k]["rank"] = i + 1
    return {k: {a: (float(b) if not isinstance(b, str) else b) for a, b in v.items()}
            for k, v in out.items()}


cramer = {}
for i, a in enumerate(CATEGORICAL):
    for b in CATEGORICAL[i + 1:]:
        cramer["%s~%s" % (a, b)] = float(association(pd.crosstab(df[a], df[b]).to_numpy(),
                                                     method="cramer"))

# Reference values of the distributions from mpmath at 40 digits: scipy's own are good to
# about 1e-9 relative at millions of degrees of freedom, which is the precision tested.
mp.mp.dps = 40
dist = []
for t, d in [(0.5, 3), (2.1, 10), (8.0, 30), (-3.3, 1500.5), (40.0, 200), (-1.94, 949988.0),
             (6.0, 2e6)]:
    t, d = mp.mpf(t), mp.mpf(d)
    dist.append(["t_p2", [float(t), float(d)],
                 float(mp.betainc(d / 2, mp.mpf(1) / 2, 0, d / (d + t * t), regularized=True))])
for f, a, b in [(0.7, 2, 50), (3.1, 7, 2999), (50.0, 3, 1000), (1.0, 1, 1), (2.1, 3, 999990),
                (1.2, 40, 9e6)]:
    f, a, b = mp.mpf(f), mp.mpf(a), mp.mpf(b)
    dist.append(["f_sf", [float(f), float(a), float(b)],
                 float(mp.betainc(a / 2, b / 2, a * f / (b + a * f), 1, regularized=True))])
for x, k in [(0.5, 1), (3.84, 1), (12.0, 7), (200.0, 10), (1000.0, 400)]:
    dist.append(["chi2_sf", [x, k],
                 float(mp.gammainc(mp.mpf(k) / 2, mp.mpf(x) / 2, mp.inf, regularized=True))])
for z in [-1.0, 0.0, 1.96, 5.0, 10.0]:
    dist.append(["norm_sf", [z], float(mp.erfc(mp.mpf(z) / mp.sqrt(2)) / 2)])
for lam in [0.2, 0.5, 0.9, 1.0, 1.36, 2.5]:
    lam = mp.mpf(lam)
    ks = 2 * mp.nsum(lambda k: (-1) ** (k - 1) * mp.exp(-2 * k * k * lam * lam), [1, mp.inf])
    dist.append(["kolmogorov_sf", [float(lam)], float(ks)])
    assert abs(float(ks) - st.kstwobign.sf(float(lam))) <= 1e-12
for a, b, x in [(0.5, 0.5, 0.3), (2.0, 3.0, 0.4), (50.0, 0.5, 0.9), (1000.0, 1500.0, 0.41),
                (5e5, 0.5, 0.999999), (3000.0, 2000.0, 0.61)]:
    A, B, X = mp.mpf(a), mp.mpf(b), mp.mpf(x)
    if x > a / (a + b):  # the series mpmath sums converges on the smaller side
        v = 1 - mp.betainc(B, A, 0, 1 - X, regularized=True)
    else:
        v = mp.betainc(A, B, 0, X, regularized=True)
    dist.append(["beta_inc", [a, b, x], float(v)])
for a, x in [(0.5, 0.1), (3.0, 2.0), (10.0, 30.0), (200.0, 180.0)]:
    dist.append(["gamma_q", [a, x],
                 float(mp.gammainc(mp.mpf(a), mp.mpf(x), mp.inf, regularized=True))])

expected = {
    "targets": {t: assoc(t) for t in ["y_bin", "y_cls", "y_num"]},
    "cramers_v": cramer,
    "distributions": dist,
    "generator": "pandas %s, numpy %s, scipy %s, mpmath %s" % (
        pd.__version__, np.__version__, scipy.__version__, mp.__version__),
}
with open(os.path.join(OUT, "assoc_expected.json"), "w") as fh:
    json.dump(expected, fh, indent=1)
    fh.write("\n")
