#!/usr/bin/python3
# drift-plugin-reference.py - reference numbers of tests/unit/test-drift-plugin.c
# that tests/data/drift/drift-reference.py does not give: the p-value the psi
# statistic reports (Pearson's chi-square of homogeneity on its bins, as
# scipy.stats.chi2_contingency(correction=False)) and the shares it draws.
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Regenerate (from the top of the source tree), then paste the output
# between the BEGIN/END markers of tests/unit/test-drift-plugin.c:
#   /usr/bin/python3 tests/data/drift/drift-plugin-reference.py
# It reads the samples drift-reference.py wrote (<case>-ref.txt, -cur.txt).
import os

import numpy as np
import scipy
from scipy import stats

HERE = os.path.dirname(os.path.abspath(__file__))


def read(name):
    with open(os.path.join(HERE, name)) as f:
        return np.array([float(line) for line in f])


def bins(a, b, nbins=10):
    a = a[~np.isnan(a)]
    b = b[~np.isnan(b)]
    edges = np.unique(np.quantile(a, np.arange(1, nbins) / nbins))
    k = len(edges) + 1
    ca = np.bincount(np.searchsorted(edges, a, side="left"), minlength=k)
    cb = np.bincount(np.searchsorted(edges, b, side="left"), minlength=k)
    return edges, ca, cb


def chi2_p(ca, cb):
    keep = (ca + cb) > 0
    chi2, p, dof, _ = stats.chi2_contingency(np.array([ca[keep], cb[keep]]), correction=False)
    return chi2, p, dof


def c_array(values):
    return "{" + ", ".join(repr(float(v)) for v in values) + "}"


print("/* scipy %s, numpy %s */" % (scipy.__version__, np.__version__))
for case in ("ties", "normal"):
    a, b = read(case + "-ref.txt"), read(case + "-cur.txt")
    edges, ca, cb = bins(a, b)
    chi2, p, dof = chi2_p(ca, cb)
    print("/* %s: psi's bins (%d), their chi-square and the shares drawn */" % (case, len(ca)))
    print("static const double %s_bins_chi2 = %r, %s_bins_p = %r, %s_bins_dof = %r;"
          % (case, chi2, case, p, case, float(dof)))
    print("static const double %s_edges[] = %s;" % (case, c_array(edges)))
    print("static const double %s_ref_share[] = %s;" % (case, c_array(ca / ca.sum())))
    print("static const double %s_cur_share[] = %s;" % (case, c_array(cb / cb.sum())))
