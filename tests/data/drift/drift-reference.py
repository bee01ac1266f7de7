#!/usr/bin/python3
# drift-reference.py - the samples and reference numbers of tests/unit/test-drift.c.
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Regenerate (from the top of the source tree):
#   /usr/bin/python3 tests/data/drift/drift-reference.py > tests/data/drift/drift-reference.out
# then paste the .out between the BEGIN/END markers of tests/unit/test-drift.c
# and run `make format` (clang-format) on it.
# It (re)writes the samples tests/data/drift/<case>-ref.txt and -cur.txt, one
# value a line, "nan" for a missing value (numeric) or -1 (categorical).
#
# Functions matched: scipy.stats.ks_2samp(ref, cur) (two-sided, method='auto'),
# scipy.stats.ks_2samp(..., method='asymp') and scipy.stats.kstwo.sf,
# scipy.stats.wasserstein_distance, np.quantile (default 'linear') for the PSI
# bins, scipy.stats.chi2_contingency(correction=False),
# scipy.stats.contingency.association(method='cramer', correction=False),
# scipy.stats.norm.sf for the two-proportion z-test.
import os
import sys

import numpy as np
import scipy
from scipy import stats

HERE = os.path.dirname(os.path.abspath(__file__))
EPS = 1e-4


def write(name, values, fmt):
    with open(os.path.join(HERE, name), "w") as f:
        for v in values:
            f.write(fmt(v) + "\n")


def num_fmt(v):
    return "nan" if np.isnan(v) else repr(float(v))


def psi_shares(cr, cc, nr, nc):
    psi = 0.0
    for r, c in zip(cr, cc):
        if r == 0 and c == 0:
            continue
        r = r / nr if r else EPS
        c = c / nc if c else EPS
        psi += (c - r) * np.log(c / r)
    return psi


def psi_numeric(a, b, nbins=10):
    edges = np.unique(np.quantile(a, np.arange(1, nbins) / nbins))
    ia = np.searchsorted(edges, a, side="left")
    ib = np.searchsorted(edges, b, side="left")
    k = len(edges) + 1
    return psi_shares(np.bincount(ia, minlength=k), np.bincount(ib, minlength=k), len(a), len(b))


def missing(mr, nr, mc, nc):
    rr, rc = mr / nr, mc / nc
    pool = (mr + mc) / (nr + nc)
    se = np.sqrt(pool * (1 - pool) * (1 / nr + 1 / nc))
    z = (rc - rr) / se if se > 0 else 0.0
    p = 2 * stats.norm.sf(abs(z)) if se > 0 else 1.0
    h = 2 * np.arcsin(np.sqrt(rc)) - 2 * np.arcsin(np.sqrt(rr))
    return rr, rc, z, p, h


def c_double(x):
    if np.isnan(x):
        return "NAN"
    if np.isinf(x):
        return "INFINITY" if x > 0 else "-INFINITY"
    return repr(float(x))


rng = np.random.default_rng(20261127)
r6 = lambda x: np.round(x, 6)
numeric = {
    # name: (ref, cur, comment)
    "normal": (r6(rng.normal(0, 1, 300)), r6(rng.normal(0.3, 1, 250)),
               "normal 300 vs normal shifted by 0.3, 250: exact p, sizes differ"),
    "equal": (r6(rng.normal(0, 1, 200)), r6(rng.normal(0.2, 1.1, 200)),
              "normal 200 vs 200 (shift 0.2, sd 1.1): exact p, equal sizes"),
    "ties": (rng.poisson(3, 400).astype(float), rng.poisson(3.4, 350).astype(float),
             "Poisson(3) 400 vs Poisson(3.4) 350 with NaNs: ties within and across"),
    "small": (r6(rng.normal(0, 1, 8)), r6(rng.normal(1.5, 1, 6)),
              "8 vs 6: exact p for small n"),
    "skewed": (r6(rng.normal(0, 1, 60)), r6(rng.normal(0.25, 1, 12000)),
               "60 vs 12000: asymptotic p at the effective size 60 (Pomeranz)"),
    "large": (r6(rng.normal(0, 1, 10500)), r6(rng.normal(0.03, 1, 11000)),
              "10500 vs 11000: asymptotic p at a large effective size"),
    "const": (np.full(150, 5.0), np.full(120, 5.0), "both constant and equal"),
    "const2": (np.full(150, 5.0), np.full(120, 6.0), "constant 5 vs constant 6"),
}
# missing values in the ties case, 5% and 12%
ref, cur, note = numeric["ties"]
ref[rng.random(400) < 0.05] = np.nan
cur[rng.random(350) < 0.12] = np.nan

print("/* scipy %s, numpy %s */" % (scipy.__version__, np.__version__))
print()
print("struct num_case {")
print("    const char *name;")
print("    double d, p_auto, p_asymp, w1, w1_sd, psi;")
print("    double miss_rate_ref, miss_rate_cur, miss_z, miss_p, miss_h;")
print("};")
print("static const struct num_case num_cases[] = {")
for name, (ref, cur, note) in numeric.items():
    write(name + "-ref.txt", ref, num_fmt)
    write(name + "-cur.txt", cur, num_fmt)
    a, b = ref[~np.isnan(ref)], cur[~np.isnan(cur)]
    ks = stats.ks_2samp(a, b)
    ksa = stats.ks_2samp(a, b, method="asymp")
    w1 = stats.wasserstein_distance(a, b)
    sd = np.std(a, ddof=1)
    w1sd = w1 / sd if sd > 0 else (np.inf if w1 > 0 else 0.0)
    psi = psi_numeric(a, b)
    m = missing(int(np.isnan(ref).sum()), len(ref), int(np.isnan(cur).sum()), len(cur))
    print("    /* %s */" % note)
    print("    {\"%s\", %s, %s, %s, %s, %s, %s," % (name, c_double(ks.statistic), c_double(ks.pvalue),
          c_double(ksa.pvalue), c_double(w1), c_double(w1sd), c_double(psi)))
    print("     %s}," % ", ".join(c_double(x) for x in m))
print("};")
print()

# kstwo.sf over every branch of scipy's _kolmogn
print("/* scipy.stats.kstwo.sf(x, n) */")
print("static const struct { unsigned long n; double x, sf; } kstwo_cases[] = {")
grid = [(1, 0.3), (1, 0.7), (2, 0.2), (2, 0.6), (5, 0.15), (5, 0.3), (5, 0.55), (5, 0.9),
        (20, 0.04), (20, 0.1), (20, 0.18), (20, 0.3), (20, 0.45), (20, 0.6),
        (60, 0.05), (60, 0.1), (60, 0.15), (60, 0.2), (60, 0.3), (60, 0.4),
        (140, 0.06), (140, 0.12), (140, 0.2), (141, 0.06), (141, 0.2),
        (500, 0.01), (500, 0.03), (500, 0.05), (500, 0.08), (500, 0.2), (500, 0.0015),
        (5000, 0.004), (5000, 0.01), (5000, 0.02), (5000, 0.05),
        (200000, 0.001), (200000, 0.003), (200000, 0.0001), (200000, 0.006)]
for n, x in grid:
    print("    {%d, %s, %s}," % (n, c_double(x), c_double(stats.kstwo.sf(x, n))))
print("};")
print()

# categorical: 5 levels, level 3 absent from cur, level 4 from both, -1 missing
L = 5
cref = rng.choice(4, 500, p=[0.4, 0.3, 0.2, 0.1]).astype(np.int32)
ccur = rng.choice(3, 420, p=[0.3, 0.35, 0.35]).astype(np.int32)
cref[rng.random(500) < 0.03] = -1
ccur[rng.random(420) < 0.03] = -1
write("levels-ref.txt", cref, str)
write("levels-cur.txt", ccur, str)
a, b = cref[cref >= 0], ccur[ccur >= 0]
ca, cb = np.bincount(a, minlength=L), np.bincount(b, minlength=L)
keep = (ca + cb) > 0
table = np.array([ca[keep], cb[keep]])
chi2, p, dof, _ = stats.chi2_contingency(table, correction=False)
v = stats.contingency.association(table, method="cramer", correction=False)
psi = psi_shares(ca, cb, len(a), len(b))
m = missing(int((cref < 0).sum()), len(cref), int((ccur < 0).sum()), len(ccur))
print("/* categorical, 5 levels: level 3 absent from cur, level 4 from both; -1 missing */")
print("static const size_t lev_nlevels = %d;" % L)
print("static const double lev_chi2 = %s, lev_p = %s, lev_dof = %s, lev_v = %s, lev_psi = %s;" %
      (c_double(chi2), c_double(p), c_double(dof), c_double(v), c_double(psi)))
print("static const double lev_miss[] = {%s};" % ", ".join(c_double(x) for x in m))
# a small hand-sized table too
t2 = np.array([[30, 20, 10], [20, 25, 25]])
chi2, p, dof, _ = stats.chi2_contingency(t2, correction=False)
v = stats.contingency.association(t2, method="cramer", correction=False)
print("/* the table [[30, 20, 10], [20, 25, 25]] */")
print("static const double tab_chi2 = %s, tab_p = %s, tab_v = %s;" %
      (c_double(chi2), c_double(p), c_double(v)))
