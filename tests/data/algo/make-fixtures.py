#!/usr/bin/python3
# make-fixtures.py - the data and scikit-learn reference numbers of
# tests/unit/test-ols.c and tests/unit/test-logistic.c.
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Regenerate (Debian 12: python3-sklearn 1.2.1, numpy 1.24), from this folder:
#     /usr/bin/python3 make-fixtures.py
# (diabetes-lm.R makes the R numbers of test-ols.c). It writes
#   iris.csv            scikit-learn's iris, species as codes 0..2
#   binary.csv          a seeded two-class problem with sample weights w
#   sklearn-logistic.txt  LogisticRegression(tol=1e-10) fits on those: one
#                       line "name value..." per number, %.17g
# The objective is written on aiwb's scale: C * sum_i w_i * logloss_i +
# 0.5 * ||coef||^2 (the intercept not penalised); logloss is the weighted
# mean log-loss.
import os

import numpy as np
import sklearn
from sklearn.linear_model import LogisticRegression

HERE = os.path.dirname(os.path.abspath(__file__))
SKDATA = "/usr/lib/python3/dist-packages/sklearn/datasets/data"


def write_iris():
    with open(os.path.join(SKDATA, "iris.csv")) as fh:
        lines = fh.read().split("\n")[1:]
    X, y = [], []
    with open(os.path.join(HERE, "iris.csv"), "w") as out:
        out.write("sepal_length,sepal_width,petal_length,petal_width,species\n")
        for line in lines:
            if not line.strip():
                continue
            f = line.split(",")
            out.write(",".join(f[:4]) + ",%d\n" % int(f[4]))
            X.append([float(v) for v in f[:4]])
            y.append(int(f[4]))
    return np.array(X), np.array(y)


def write_binary():
    rng = np.random.default_rng(20240611)
    n = 300
    X = rng.standard_normal((n, 4)) * [1.0, 2.0, 0.5, 3.0] + [0.5, -1.0, 2.0, 0.0]
    z = X @ [1.0, -0.5, 2.0, 0.3] - 4.5
    y = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(int)
    w = rng.integers(1, 4, n)
    with open(os.path.join(HERE, "binary.csv"), "w") as out:
        out.write("x1,x2,x3,x4,w,y\n")
        for i in range(n):
            out.write("%.6f,%.6f,%.6f,%.6f,%d,%d\n" % (*X[i], w[i], y[i]))
    # Read back what the file holds, so both sides see the same numbers.
    M = np.loadtxt(os.path.join(HERE, "binary.csv"), delimiter=",", skiprows=1)
    return M[:, :4], M[:, 5].astype(int), M[:, 4]


def fit(out, name, X, y, C, fit_intercept=True, w=None):
    clf = LogisticRegression(C=C, tol=1e-10, max_iter=100000, fit_intercept=fit_intercept)
    clf.fit(X, y, sample_weight=w)
    Z = clf.decision_function(X)
    sw = np.ones(len(y)) if w is None else w
    if Z.ndim == 1:
        ll = np.logaddexp(0, -(2 * y - 1) * Z)
    else:
        zmax = Z.max(axis=1, keepdims=True)
        lse = zmax[:, 0] + np.log(np.exp(Z - zmax).sum(axis=1))
        ll = lse - Z[np.arange(len(y)), y]
    obj = C * np.sum(sw * ll) + 0.5 * np.sum(clf.coef_ ** 2)
    out.write("# %s: LogisticRegression(C=%g, tol=1e-10, fit_intercept=%s%s), %d iterations\n"
              % (name, C, fit_intercept, ", sample_weight=w" if w is not None else "",
                 int(np.max(clf.n_iter_))))
    vals = {
        "objective": [obj],
        "logloss": [np.sum(sw * ll) / np.sum(sw)],
        "coef": clf.coef_.ravel(),
        "intercept": np.atleast_1d(clf.intercept_) if fit_intercept else [],
    }
    for key, v in vals.items():
        if len(v):
            out.write("%s.%s %s\n" % (name, key, " ".join("%.17g" % x for x in v)))


def main():
    Xi, yi = write_iris()
    Xb, yb, wb = write_binary()
    with open(os.path.join(HERE, "sklearn-logistic.txt"), "w") as out:
        out.write("# made by make-fixtures.py with scikit-learn %s, numpy %s; do not edit\n"
                  % (sklearn.__version__, np.__version__))
        fit(out, "iris", Xi, yi, 1.0)
        fit(out, "iris_c01_noint", Xi, yi, 0.1, fit_intercept=False)
        fit(out, "binary", Xb, yb, 0.5)
        fit(out, "binary_weighted", Xb, yb, 2.0, w=wb)
        fit(out, "binary_noint", Xb, yb, 1.0, fit_intercept=False)


if __name__ == "__main__":
    main()
