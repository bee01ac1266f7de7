#!/usr/bin/python3
# glm-sklearn.py - scikit-learn's PoissonRegressor (the L2-penalised Poisson
# GLM) on warpbreaks.csv, for the lambda option of the poisson plugin
# (tests/unit/test-glm.c).
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Regenerate from this folder (Debian's python3-sklearn 1.2.1):
#     /usr/bin/python3 glm-sklearn.py > glm-sklearn.txt
# The design is aiwb's: wool and tension one-hot, levels sorted, the first
# dropped (wool=B, tension=L, tension=M). Lines "<key> <numbers>", %.17g.
import csv

import numpy as np
import sklearn
from sklearn.linear_model import PoissonRegressor

rows = list(csv.DictReader(open("warpbreaks.csv")))
X = np.array([[r["wool"] == "B", r["tension"] == "L", r["tension"] == "M"] for r in rows],
             dtype=float)
y = np.array([float(r["breaks"]) for r in rows])

print("# made by glm-sklearn.py with scikit-learn %s; do not edit" % sklearn.__version__)
for alpha in (0.05, 1.0):
    m = PoissonRegressor(alpha=alpha, solver="newton-cholesky", tol=1e-14, max_iter=10000)
    m.fit(X, y)
    coef = [m.intercept_] + list(m.coef_)
    print("alpha_%g.coef %s" % (alpha, " ".join("%.17g" % c for c in coef)))
    print("alpha_%g.predict %s" % (alpha, " ".join("%.17g" % v for v in m.predict(X[:3]))))
