#!/usr/bin/python3
# make-fixtures.py - the data and scikit-learn reference numbers of
# tests/unit/test-clustering.c (kmeans, gmm, pca).
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Regenerate (Debian 12: python3-sklearn 1.2.1, numpy 1.24), from this folder:
#     /usr/bin/python3 make-fixtures.py
# It reads ../../../datasets/iris.csv and diabetes.csv (the bundled copies) and writes
#   blobs.csv      2,000 rows of 5 features from 6 Gaussian clusters of unequal sizes and
#                  spreads, centred far from the origin (seed 20261127), printed %.6f
#   twins.csv      the first 300 rows of blobs.csv with row 2 replaced by row 1, so that
#                  k-means from the first 4 rows leaves a cluster empty at once
#   triplets.csv   the first 400 rows with rows 2 and 3 replaced by row 1: from the
#                  first 5 rows, two clusters are empty at once (scikit-learn gives them
#                  the farthest row and the next farthest, in that order, for two)
#   reference.txt  one line "name value ..." per number, %.17g:
#     km_<case>_labels / _n_iter / _inertia / _centers (row-major) from
#         KMeans(k, init=<the first k rows>, n_init=1, algorithm='lloyd', tol, max_iter)
#     gm_<case>_n_iter / _converged / _lower_bound / _score / _weights / _means /
#         _covariances / _bic / _aic / _proba (first 5 rows) from GaussianMixture started
#         as aiwb's init=first starts: the responsibilities are one-hot by the nearest of
#         the first k rows, and the initial weights, means and covariances are estimated
#         from them (sklearn's _estimate_gaussian_parameters, reg_covar added), passed as
#         weights_init, means_init and precisions_init
#     pca_<case>_variance / _ratio / _components (k x p, each signed so that its entry
#         of largest magnitude is positive) / _scores (first 5 rows) from
#         PCA(svd_solver='full') on the centred (scale: and standardised, ddof 1) columns
import os

import numpy as np
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.mixture import GaussianMixture
from sklearn.mixture._gaussian_mixture import _estimate_gaussian_parameters

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.join(HERE, "..", "..", "..")

out = []


def put(name, values):
    v = np.ravel(np.asarray(values, dtype=float))
    out.append(name + " " + " ".join("%.17g" % x for x in v))


def read_csv(path, ncols):
    rows = []
    with open(path) as fh:
        fh.readline()
        for line in fh:
            if line.strip():
                rows.append([float(x) for x in line.split(",")[:ncols]])
    return np.array(rows)


def write_csv(path, X):
    with open(path, "w") as fh:
        fh.write(",".join("f%d" % j for j in range(X.shape[1])) + "\n")
        for row in X:
            fh.write(",".join("%.6f" % v for v in row) + "\n")


def make_blobs():
    rng = np.random.default_rng(20261127)
    sizes = [600, 450, 350, 300, 200, 100]
    centres = rng.uniform(-8, 8, size=(6, 5)) + 40.0
    spreads = [0.6, 1.0, 1.5, 0.8, 2.0, 1.2]
    parts = [centres[c] + spreads[c] * rng.standard_normal((sizes[c], 5)) for c in range(6)]
    X = np.concatenate(parts)
    X = X[rng.permutation(len(X))]
    write_csv(os.path.join(HERE, "blobs.csv"), X)
    return read_csv(os.path.join(HERE, "blobs.csv"), 5)  # the printed values


def kmeans(case, X, k, tol=1e-4, max_iter=300):
    km = KMeans(k, init=X[:k].copy(), n_init=1, algorithm="lloyd", tol=tol, max_iter=max_iter)
    km.fit(X)
    put("km_%s_labels" % case, km.labels_)
    put("km_%s_n_iter" % case, [km.n_iter_])
    put("km_%s_inertia" % case, [km.inertia_])
    put("km_%s_centers" % case, km.cluster_centers_)


def gmm(case, X, k, cov, tol=1e-3, max_iter=100, reg=1e-6):
    d = ((X[:, None, :] - X[None, :k, :]) ** 2).sum(axis=2)
    resp = np.zeros((len(X), k))
    resp[np.arange(len(X)), d.argmin(axis=1)] = 1
    w, m, c = _estimate_gaussian_parameters(X, resp, reg, cov)
    w /= w.sum()
    prec = np.array([np.linalg.inv(ci) for ci in c]) if cov == "full" else 1 / c
    g = GaussianMixture(k, covariance_type=cov, tol=tol, max_iter=max_iter, reg_covar=reg,
                        weights_init=w, means_init=m, precisions_init=prec)
    g.fit(X)
    put("gm_%s_n_iter" % case, [g.n_iter_])
    put("gm_%s_converged" % case, [int(g.converged_)])
    put("gm_%s_lower_bound" % case, [g.lower_bound_])
    put("gm_%s_score" % case, [g.score(X)])
    put("gm_%s_weights" % case, g.weights_)
    put("gm_%s_means" % case, g.means_)
    put("gm_%s_covariances" % case, g.covariances_)
    put("gm_%s_bic" % case, [g.bic(X)])
    put("gm_%s_aic" % case, [g.aic(X)])
    put("gm_%s_proba" % case, g.predict_proba(X[:5]))


def pca(case, X, scale):
    Z = X - X.mean(axis=0)
    if scale:
        Z = Z / X.std(axis=0, ddof=1)
    p = PCA(svd_solver="full").fit(Z)
    comp = p.components_.copy()
    for c in range(comp.shape[0]):
        big = np.argmax(np.abs(comp[c]))
        if comp[c, big] < 0:
            comp[c] = -comp[c]
    put("pca_%s_variance" % case, p.explained_variance_)
    put("pca_%s_ratio" % case, p.explained_variance_ratio_)
    put("pca_%s_components" % case, comp)
    put("pca_%s_scores" % case, Z[:5] @ comp.T)


def main():
    iris = read_csv(os.path.join(TOP, "datasets", "iris.csv"), 4)
    diabetes = read_csv(os.path.join(TOP, "datasets", "diabetes.csv"), 10)
    blobs = make_blobs()
    twins = blobs[:300].copy()
    twins[2] = twins[1]
    write_csv(os.path.join(HERE, "twins.csv"), twins)
    twins = read_csv(os.path.join(HERE, "twins.csv"), 5)
    triplets = blobs[:400].copy()
    triplets[2] = triplets[1]
    triplets[3] = triplets[1]
    write_csv(os.path.join(HERE, "triplets.csv"), triplets)
    triplets = read_csv(os.path.join(HERE, "triplets.csv"), 5)

    kmeans("iris3", iris, 3)
    kmeans("iris5", iris, 5)
    kmeans("blobs6", blobs, 6)
    kmeans("blobs6_tol0", blobs, 6, tol=0, max_iter=7)
    kmeans("blobs9", blobs, 9)
    kmeans("twins4", twins, 4)
    kmeans("triplets5", triplets, 5)
    kmeans("blobs700", blobs, 700)

    gmm("iris3_full", iris, 3, "full")
    gmm("iris3_diag", iris, 3, "diag")
    gmm("blobs6_full", blobs, 6, "full", tol=1e-6)
    gmm("blobs4_diag", blobs, 4, "diag", tol=1e-5, max_iter=15)

    pca("diabetes", diabetes, False)
    pca("diabetes_scaled", diabetes, True)
    pca("iris", iris, False)

    with open(os.path.join(HERE, "reference.txt"), "w") as fh:
        fh.write("# made by make-fixtures.py (scikit-learn %s, numpy %s): do not edit\n"
                 % (__import__("sklearn").__version__, np.__version__))
        fh.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
