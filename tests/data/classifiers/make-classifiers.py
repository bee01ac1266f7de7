#!/usr/bin/python3
# make-classifiers.py - the data and scikit-learn reference numbers of
# tests/unit/test-classifiers.c (nbayes, knn) and of the L1 and elastic-net
# fits of tests/unit/test-logistic.c.
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Regenerate (Debian 12: python3-sklearn 1.2.1, numpy 1.24), from this folder:
#     /usr/bin/python3 make-classifiers.py
# It writes (every number %.17g, so both sides read the same doubles):
#   diabetes-binary.csv  the bundled diabetes data (datasets/diabetes.csv),
#                        features standardised, y = 1 when the target > 140
#   nbayes.csv           a seeded three-class problem: numeric g1..g3,
#                        categorical codes c1 (3 levels), c2 (4 levels), weights w
#   nbayes-missing.csv   the same with some values missing (empty fields)
#   knn-train.csv, knn-query.csv   continuous features (no ties), class and target
#   knn-grid.csv, knn-grid-query.csv   small integer features: many ties, and
#                        queries equal to training rows
#   reference.txt        one line "name value..." per result (see below)
#
# Logistic: LogisticRegression(penalty='l1' or 'elasticnet', solver='saga',
# tol=1e-12, max_iter=10**6, random_state=0: saga visits the rows in a
# seeded random order), multinomial for three classes. saga (unlike
# LIBLINEAR, which penalises an intercept) leaves the intercept unpenalised,
# as aiwb does. Its stopping rule is on the change of the coefficients
# (max |dw| <= tol * max |w| over an epoch); how close it got is measured
# here by the KKT conditions and written on each case's comment line: the
# largest violation ("kkt"), relative to max(1, objective), of
#     G_j + (1 - r) W_j + r sign(W_j) = 0  (W_j != 0),  |G_j| <= r  (W_j = 0),
#     sum of G over the intercept's column = 0,
# with G = C * sum_i w_i (p_i - onehot_i) x_i the gradient of the loss term.
# All cases reach 4e-11 or better (the script refuses worse than 1e-9); the
# tests ask aiwb's objective to agree to 1e-12 and find 3e-16. The whole
# script runs in about 10 s, most of it iris, which saga needs ~48,000
# epochs for at this tol.
# Without intercept the fit is repeated with solver='liblinear' (tol=1e-10:
# at 1e-12 its Newton steps stall on rounding and it never stops) and the
# comment gives how far the two objectives are apart.
# The objective is written on aiwb's scale:
#     C * sum_i w_i logloss_i + r * ||W||_1 + (1 - r) * ||W||^2 / 2
# (r = 1 for l1, l1_ratio for elasticnet), logloss its mean (weighted).
# The three-class intercepts are shifted to sum to zero, the choice aiwb
# makes among the optima (the softmax ignores a common shift).
# nbayes: GaussianNB and CategoricalNB(alpha, min_categories = the levels);
# a mixed model is their joint log-likelihoods summed, the prior once. With
# missing values scikit-learn has no model: the reference is computed here
# from the definition (a missing value left out of fit and likelihood).
# knn: KNeighborsClassifier / KNeighborsRegressor(algorithm='brute'). On the
# grid data, where distances tie, the reference takes the first k training
# rows in a stable sort by distance (aiwb's rule); the comment line says on
# how many rows scikit-learn's neighbours differ from those.
import os
import time

import numpy as np
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import CategoricalNB, GaussianNB
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor

HERE = os.path.dirname(os.path.abspath(__file__))
ALGO = os.path.join(HERE, "..", "algo")
TOP = os.path.join(HERE, "..", "..", "..")


def g(v):
    return " ".join("%.17g" % x for x in np.ravel(v))


def write_csv(name, header, rows):
    with open(os.path.join(HERE, name), "w") as out:
        out.write(",".join(header) + "\n")
        for r in rows:
            out.write(",".join("" if np.isnan(v) else "%.17g" % v for v in r) + "\n")


# ---------------------------------------------------------------------------
# Logistic regression with L1 and elastic-net penalties.

def read_algo(name, k):
    M = np.loadtxt(os.path.join(ALGO, name), delimiter=",", skiprows=1)
    if name == "binary.csv":
        return M[:, :4], M[:, 5].astype(int), M[:, 4]
    return M[:, :-1], M[:, -1].astype(int), None


def diabetes_binary():
    M = np.loadtxt(os.path.join(TOP, "datasets", "diabetes.csv"), delimiter=",", skiprows=1)
    X = (M[:, :10] - M[:, :10].mean(axis=0)) / M[:, :10].std(axis=0)
    y = (M[:, 10] > 140).astype(int)
    write_csv("diabetes-binary.csv",
              ["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6", "y"],
              np.column_stack([X, y]))
    M = np.loadtxt(os.path.join(HERE, "diabetes-binary.csv"), delimiter=",", skiprows=1)
    return M[:, :10], M[:, 10].astype(int), None


def logistic_fit(X, y, C, penalty, l1_ratio, w, fit_intercept, solver, tol):
    clf = LogisticRegression(penalty=penalty, C=C, l1_ratio=l1_ratio, solver=solver, tol=tol,
                             max_iter=10**6, fit_intercept=fit_intercept, random_state=0)
    t0 = time.time()
    clf.fit(X, y, sample_weight=w)
    return clf, time.time() - t0


def logistic_numbers(clf, X, y, C, r, w):
    """The objective on aiwb's scale, the mean log-loss and the KKT violation."""
    Z = clf.decision_function(X)
    sw = np.ones(len(y)) if w is None else w
    W = np.atleast_2d(clf.coef_)
    if Z.ndim == 1:
        ll = np.logaddexp(0, -(2 * y - 1) * Z)
        R = (1 / (1 + np.exp(-Z)) - y)[:, None]
    else:
        zmax = Z.max(axis=1, keepdims=True)
        lse = zmax[:, 0] + np.log(np.exp(Z - zmax).sum(axis=1))
        ll = lse - Z[np.arange(len(y)), y]
        R = np.exp(Z - lse[:, None])
        R[np.arange(len(y)), y] -= 1
    obj = C * np.sum(sw * ll) + r * np.abs(W).sum() + 0.5 * (1 - r) * (W ** 2).sum()
    G = C * (R * sw[:, None]).T @ X + (1 - r) * W
    viol = np.where(W != 0, np.abs(G + r * np.sign(W)), np.maximum(np.abs(G) - r, 0))
    kkt = viol.max()
    if clf.fit_intercept:
        kkt = max(kkt, np.abs(C * (R * sw[:, None]).sum(axis=0)).max())
    return obj, np.sum(sw * ll) / np.sum(sw), kkt / max(1.0, obj)


def logistic(out, name, X, y, C, penalty, l1_ratio=None, w=None, fit_intercept=True):
    r = 1.0 if penalty == "l1" else l1_ratio
    clf, secs = logistic_fit(X, y, C, penalty, l1_ratio, w, fit_intercept, "saga", 1e-12)
    obj, logloss, kkt = logistic_numbers(clf, X, y, C, r, w)
    iters = int(np.max(clf.n_iter_))
    print("%s: %d epochs, %.1f s, kkt %.2g" % (name, iters, secs, kkt), flush=True)
    assert kkt < 1e-9, "%s: saga stopped too early (kkt %g)" % (name, kkt)
    check = ""
    if not fit_intercept:
        other, _ = logistic_fit(X, y, C, penalty, l1_ratio, w, False, "liblinear", 1e-10)
        oobj = logistic_numbers(other, X, y, C, r, w)[0]
        check = "; liblinear (tol=1e-10): objective %.2g relative apart, same zeros: %s" % (
            abs(oobj - obj) / obj, bool(((other.coef_ == 0) == (clf.coef_ == 0)).all()))
    out.write("# %s: LogisticRegression(penalty=%s, C=%g%s, solver=saga, fit_intercept=%s%s), "
              "%d epochs, kkt %.2g%s\n"
              % (name, penalty, C, ", l1_ratio=%g" % l1_ratio if l1_ratio is not None else "",
                 fit_intercept, ", sample_weight=w" if w is not None else "", iters, kkt, check))
    out.write("%s.objective %s\n" % (name, g(obj)))
    out.write("%s.logloss %s\n" % (name, g(logloss)))
    out.write("%s.coef %s\n" % (name, g(clf.coef_)))
    if fit_intercept:
        b = clf.intercept_ - (clf.intercept_.mean() if len(clf.intercept_) > 1 else 0)
        out.write("%s.intercept %s\n" % (name, g(b)))


# ---------------------------------------------------------------------------
# Naive Bayes.

def nbayes_data():
    rng = np.random.default_rng(20240612)
    n = 120
    y = rng.integers(0, 3, n)
    G = rng.standard_normal((n, 3)) * [1.0, 3.0, 0.2] + y[:, None] * [0.8, -2.0, 0.1] + \
        [0.0, 50.0, -1.0]
    L = [3, 4]
    Cc = np.column_stack([(rng.integers(0, L[j], n) + (y * (j + 1)) * (rng.random(n) < 0.5))
                          % L[j] for j in range(2)])
    w = rng.integers(1, 4, n).astype(float)
    write_csv("nbayes.csv", ["g1", "g2", "g3", "c1", "c2", "w", "y"],
              np.column_stack([G, Cc, w, y]))
    Mi = np.column_stack([G, Cc]).astype(float)
    holes = rng.random(Mi.shape) < 0.08
    Mi[holes] = np.nan
    Mi[0, :] = np.nan  # a row with nothing: scored by the priors alone
    write_csv("nbayes-missing.csv", ["g1", "g2", "g3", "c1", "c2", "w", "y"],
              np.column_stack([Mi, w, y]))
    M = np.genfromtxt(os.path.join(HERE, "nbayes.csv"), delimiter=",", skip_header=1)
    Mm = np.genfromtxt(os.path.join(HERE, "nbayes-missing.csv"), delimiter=",", skip_header=1)
    return M, Mm, L


def lognormalise(jll):
    mx = jll.max(axis=1, keepdims=True)
    lse = mx[:, 0] + np.log(np.exp(jll - mx).sum(axis=1))
    return jll - lse[:, None]


def nb_write(out, name, logp, y, w):
    sw = np.ones(len(y)) if w is None else w
    out.write("%s.logproba %s\n" % (name, g(logp)))
    out.write("%s.logloss %s\n" % (name, g(-np.sum(sw * logp[np.arange(len(y)), y]) / sw.sum())))


def nbayes(out, M, L):
    G, Cc, w, y = M[:, :3], M[:, 3:5].astype(int), M[:, 5], M[:, 6].astype(int)
    cases = [
        ("nb_gauss", dict(), None),
        ("nb_gauss_w", dict(var_smoothing=1e-3), w),
    ]
    for name, kw, sw in cases:
        gnb = GaussianNB(**kw).fit(G, y, sample_weight=sw)
        out.write("# %s: GaussianNB(%s)%s on g1..g3\n" % (name, kw, " weighted" if sw is not None
                                                          else ""))
        nb_write(out, name, gnb.predict_log_proba(G), y, sw)
    for name, alpha, sw in [("nb_cat", 1.0, None), ("nb_cat_a03_w", 0.3, w)]:
        cnb = CategoricalNB(alpha=alpha, min_categories=L).fit(Cc, y, sample_weight=sw)
        out.write("# %s: CategoricalNB(alpha=%g, min_categories=%s)%s on c1, c2\n"
                  % (name, alpha, L, " weighted" if sw is not None else ""))
        nb_write(out, name, cnb.predict_log_proba(Cc), y, sw)
    # Mixed: GaussianNB + CategoricalNB, the prior once.
    for name, sw in [("nb_mixed", None), ("nb_mixed_w", w)]:
        gnb = GaussianNB().fit(G, y, sample_weight=sw)
        cnb = CategoricalNB(alpha=1.0, min_categories=L).fit(Cc, y, sample_weight=sw)
        jll = gnb._joint_log_likelihood(G) + cnb._joint_log_likelihood(Cc) - \
            np.log(gnb.class_prior_)
        out.write("# %s: GaussianNB on g1..g3 + CategoricalNB on c1, c2, prior once%s\n"
                  % (name, " weighted" if sw is not None else ""))
        nb_write(out, name, lognormalise(jll), y, sw)
    # Uniform priors: the same likelihoods, the log-prior replaced.
    gnb = GaussianNB(priors=[1 / 3] * 3).fit(G, y)
    out.write("# nb_gauss_uniform: GaussianNB(priors=[1/3]*3)\n")
    nb_write(out, "nb_gauss_uniform", gnb.predict_log_proba(G), y, None)


def nbayes_missing(out, M, L, alpha=1.0, var_smoothing=1e-9):
    """The definition, with missing values left out (no scikit-learn model)."""
    X, y = M[:, :5], M[:, 6].astype(int)
    K, n = 3, len(y)
    counts = np.bincount(y, minlength=K).astype(float)
    logprior = np.log(counts / counts.sum())
    eps = var_smoothing * max(np.nanvar(X[:, j]) for j in range(3))
    jll = np.tile(logprior, (n, 1))
    for j in range(3):
        ok = ~np.isnan(X[:, j])
        for k in range(K):
            v = X[ok & (y == k), j]
            mu, var = v.mean(), v.var() + eps
            t = -0.5 * np.log(2 * np.pi * var) - 0.5 * (X[:, j] - mu) ** 2 / var
            jll[ok, k] += t[ok]
    for j, Lj in zip(range(3, 5), L):
        ok = ~np.isnan(X[:, j])
        for k in range(K):
            v = X[ok & (y == k), j].astype(int)
            cnt = np.bincount(v, minlength=Lj) + alpha
            lp = np.log(cnt) - np.log(cnt.sum())
            jll[ok, k] += lp[X[ok, j].astype(int)]
    out.write("# nb_missing: the definition on nbayes-missing.csv (alpha=%g, var_smoothing=%g)\n"
              % (alpha, var_smoothing))
    nb_write(out, "nb_missing", lognormalise(jll), y, None)


# ---------------------------------------------------------------------------
# k nearest neighbours.

def knn_data():
    rng = np.random.default_rng(20240613)
    n, q = 300, 100
    X = rng.standard_normal((n, 4)) * [1.0, 2.0, 0.5, 1.5]
    y = ((X[:, 0] + 0.5 * X[:, 1] + rng.standard_normal(n) > 0).astype(int) +
         (X[:, 2] > 0.3).astype(int))
    t = X @ [1.0, -0.5, 2.0, 0.25] + rng.standard_normal(n)
    Q = rng.standard_normal((q, 4)) * [1.0, 2.0, 0.5, 1.5]
    write_csv("knn-train.csv", ["x1", "x2", "x3", "x4", "t", "y"], np.column_stack([X, t, y]))
    write_csv("knn-query.csv", ["x1", "x2", "x3", "x4"], Q)
    # The grid: coordinates 0..3 in three features, duplicated rows, and
    # queries on the grid (many equal to training rows).
    Xg = rng.integers(0, 4, (150, 3)).astype(float)
    Xg[100:120] = Xg[0:20]
    yg = rng.integers(0, 3, 150)
    tg = rng.integers(0, 10, 150).astype(float)
    Qg = rng.integers(0, 4, (80, 3)).astype(float)
    write_csv("knn-grid.csv", ["x1", "x2", "x3", "t", "y"], np.column_stack([Xg, tg, yg]))
    write_csv("knn-grid-query.csv", ["x1", "x2", "x3"], Qg)
    rd = lambda f: np.loadtxt(os.path.join(HERE, f), delimiter=",", skiprows=1)
    A, B, C, D = rd("knn-train.csv"), rd("knn-query.csv"), rd("knn-grid.csv"), \
        rd("knn-grid-query.csv")
    return (A[:, :4], A[:, 5].astype(int), A[:, 4], B), (C[:, :3], C[:, 4].astype(int), C[:, 3], D)


CONFIGS = [(5, "uniform", "euclidean"), (7, "distance", "euclidean"),
           (4, "uniform", "manhattan"), (6, "distance", "manhattan"), (1, "uniform", "euclidean")]


def knn_sklearn(out, prefix, X, y, t, Q):
    for k, weights, metric in CONFIGS:
        name = "%s_k%d_%s_%s" % (prefix, k, weights, metric)
        c = KNeighborsClassifier(n_neighbors=k, weights=weights, metric=metric,
                                 algorithm="brute").fit(X, y)
        r = KNeighborsRegressor(n_neighbors=k, weights=weights, metric=metric,
                                algorithm="brute").fit(X, t)
        out.write("# %s: KNeighborsClassifier/Regressor(n_neighbors=%d, weights=%s, metric=%s, "
                  "algorithm=brute)\n" % (name, k, weights, metric))
        out.write("%s.proba %s\n" % (name, g(c.predict_proba(Q))))
        out.write("%s.mean %s\n" % (name, g(r.predict(Q))))


def knn_stable(out, prefix, X, y, t, Q):
    """Ties: the first k rows of a stable sort by distance, then the votes."""
    for k, weights, metric in CONFIGS:
        name = "%s_k%d_%s_%s" % (prefix, k, weights, metric)
        sk = KNeighborsClassifier(n_neighbors=k, weights=weights, metric=metric,
                                  algorithm="brute").fit(X, y)
        _, skind = sk.kneighbors(Q)
        P, R, differ = [], [], 0
        for i, x in enumerate(Q):
            if metric == "euclidean":
                d = np.sqrt(((X - x) ** 2).sum(axis=1))
            else:
                d = np.abs(X - x).sum(axis=1)
            idx = np.argsort(d, kind="stable")[:k]
            differ += set(idx) != set(skind[i])
            dd = d[idx]
            if weights == "uniform":
                wt = np.ones(k)
            elif (dd == 0).any():
                wt = (dd == 0).astype(float)
            else:
                wt = 1 / dd
            P.append(np.bincount(y[idx], weights=wt, minlength=3) / wt.sum())
            R.append(np.sum(wt * t[idx]) / wt.sum())
        out.write("# %s: first %d of a stable sort by %s distance, weights=%s; scikit-learn's "
                  "brute force picks other neighbours for %d of %d rows\n"
                  % (name, k, metric, weights, differ, len(Q)))
        out.write("%s.proba %s\n" % (name, g(P)))
        out.write("%s.mean %s\n" % (name, g(R)))


def main():
    with open(os.path.join(HERE, "reference.txt"), "w") as out:
        out.write("# made by make-classifiers.py with scikit-learn %s, numpy %s; do not edit\n"
                  % (sklearn.__version__, np.__version__))
        Xi, yi, _ = read_algo("iris.csv", 3)
        Xb, yb, wb = read_algo("binary.csv", 2)
        Xd, yd, _ = diabetes_binary()
        logistic(out, "iris_l1", Xi, yi, 1.0, "l1")
        logistic(out, "iris_en", Xi, yi, 0.5, "elasticnet", l1_ratio=0.3)
        logistic(out, "binary_l1", Xb, yb, 0.03, "l1")
        logistic(out, "binary_l1_w", Xb, yb, 0.01, "l1", w=wb)
        logistic(out, "binary_l1_noint", Xb, yb, 0.02, "l1", fit_intercept=False)
        logistic(out, "diabetes_l1", Xd, yd, 0.05, "l1")
        logistic(out, "diabetes_en", Xd, yd, 0.05, "elasticnet", l1_ratio=0.7)
        M, Mm, L = nbayes_data()
        nbayes(out, M, L)
        nbayes_missing(out, Mm, L)
        real, grid = knn_data()
        knn_sklearn(out, "knn", *real)
        knn_stable(out, "grid", *grid)


if __name__ == "__main__":
    main()
