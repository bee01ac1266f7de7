#!/usr/bin/python3
"""make-sklearn.py - scikit-learn's reference numbers for ridge, lasso and
elasticnet in tests/unit/test-linear.c.

SPDX-License-Identifier: GPL-3.0-or-later

Regenerate from this folder with Debian's python3 (scikit-learn 1.2):
    /usr/bin/python3 make-sklearn.py
It writes sklearn.txt, lines "<fit>.<what> v1 v2 ..." (numbers as %.17g), on
the bundled datasets/diabetes.csv: "raw" fits use its columns as they are,
"std" fits the columns standardised with divisor n (numpy's std), and
weighted fits the weights row number mod 5 (every fifth row 0), as the test
computes them. Lasso and ElasticNet run with tol=1e-12 and a large max_iter,
so their solutions are exact to far below the test's tolerance (1e-6).
The "path" lines are lasso_path at the alphas the plugin's path=8 takes:
alpha_max * (alpha / alpha_max)^(i / 7), alpha_max = max |Xc'yc| / n.
"""
import numpy as np
from sklearn.linear_model import ElasticNet, Lasso, Ridge, lasso_path

data = np.loadtxt("../../../datasets/diabetes.csv", delimiter=",", skiprows=1)
X, y = data[:, :10], data[:, 10]
n = len(y)
Xs = (X - X.mean(axis=0)) / X.std(axis=0)
w = (np.arange(1, n + 1) % 5).astype(float)
lines = ["# made by make-sklearn.py with scikit-learn %s; do not edit"
         % __import__("sklearn").__version__]


def g(v):
    return " ".join("%.17g" % x for x in np.atleast_1d(v))


def objective(m, X, y, sw, alpha, l1_ratio):
    r = y - X @ m.coef_ - m.intercept_
    sw = np.ones(len(y)) if sw is None else sw
    return (0.5 * np.sum(sw * r * r) / np.sum(sw) + alpha * l1_ratio * np.abs(m.coef_).sum()
            + 0.5 * alpha * (1 - l1_ratio) * np.dot(m.coef_, m.coef_))


def put(name, m, X, y, sw=None, alpha=None, l1_ratio=None):
    lines.append(f"{name}.coef {g(np.r_[m.intercept_, m.coef_] if m.fit_intercept else m.coef_)}")
    if alpha is not None:
        lines.append(f"{name}.objective {g(objective(m, X, y, sw, alpha, l1_ratio))}")
        lines.append(f"{name}.nonzero {int(np.count_nonzero(m.coef_))}")


put("ridge_raw", Ridge(alpha=1.0).fit(X, y), X, y)
put("ridge_weighted", Ridge(alpha=2.5).fit(X, y, sample_weight=w), X, y)

fits = [
    ("lasso_raw", Lasso, dict(alpha=0.5), X, None, True),
    ("lasso_std", Lasso, dict(alpha=2.0), Xs, None, True),
    ("lasso_std_noint", Lasso, dict(alpha=2.0), Xs, None, False),
    ("lasso_weighted", Lasso, dict(alpha=2.0), Xs, w, True),
    ("enet_raw", ElasticNet, dict(alpha=0.5, l1_ratio=0.3), X, None, True),
    ("enet_std", ElasticNet, dict(alpha=0.3, l1_ratio=0.7), Xs, None, True),
    ("enet_weighted", ElasticNet, dict(alpha=0.3, l1_ratio=0.7), Xs, w, True),
]
for name, cls, kw, A, sw, icpt in fits:
    m = cls(tol=1e-12, max_iter=10_000_000, fit_intercept=icpt, **kw).fit(A, y, sample_weight=sw)
    put(name, m, A, y, sw, kw["alpha"], kw.get("l1_ratio", 1.0))

# The path of lasso_std with path=8 down to alpha=2.
yc = y - y.mean()
amax = np.max(np.abs(Xs.T @ yc)) / n
alphas = amax * (2.0 / amax) ** (np.arange(8) / 7)
alphas[-1] = 2.0
_, coefs, _ = lasso_path(Xs - Xs.mean(axis=0), yc, alphas=alphas, tol=1e-12, max_iter=10_000_000)
lines.append(f"path.alpha {g(alphas)}")
lines.append(f"path.nonzero {g(np.count_nonzero(coefs, axis=0))}")
lines.append(f"path.r2 {g(1 - np.sum((yc[:, None] - (Xs - Xs.mean(axis=0)) @ coefs) ** 2, axis=0) / np.sum(yc ** 2))}")
open("sklearn.txt", "w").write("\n".join(lines) + "\n")
