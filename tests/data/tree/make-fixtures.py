#!/usr/bin/python3
# make-fixtures.py - the data and scikit-learn reference numbers of
# tests/unit/test-tree.c.
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Regenerate (Debian 12: python3-sklearn 1.2.1, numpy 1.24), from this folder:
#     /usr/bin/python3 make-fixtures.py
# It writes
#   cls.csv    a seeded 3-class problem: 5 features, integer weights w, class y
#   reg.csv    a seeded regression problem: 4 features, integer weights w, y
#   bin.csv    a seeded 2-class problem: 6 features, class y (forest)
#   test.csv   points to predict: 5 features (the regression uses the first 4)
#   sklearn-tree.txt  one line "name value..." per array, %.17g:
#     NAME.feature/threshold/n/impurity/value  the nodes of a fitted tree in
#                    scikit-learn's order (depth first, left before right);
#                    feature -1 at leaves; value: class shares or the mean
#     NAME.importance, NAME.pred (predictions for test.csv, row by row)
#     path.cls/reg.alpha, .impurity  cost_complexity_pruning_path
#     prune.cls/reg.N.*  trees fitted with ccp_alpha halfway between
#                    consecutive alphas of the path
#     oob.bin/reg.score  oob_score_ of RandomForest(n_estimators=100) for
#                    random_state 0..29; .importance their mean importances
#
# scikit-learn works on float32 copies of X, so every feature value is a
# float32 written exactly (repr of the double it converts to): both sides
# then see the same numbers. Trees are compared exactly, so the data must
# not offer two equally good splits: scikit-learn tries features in an
# order drawn from random_state and keeps the first of equal splits, aiwb
# the lowest feature. Each data seed is kept only if every tree below is
# the same for random_state 0..9 (no tied splits), else the next seed is
# tried; the seeds used are written to sklearn-tree.txt.
import os

import numpy as np
import sklearn
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

HERE = os.path.dirname(os.path.abspath(__file__))


def f32(a):
    return np.asarray(a, dtype=np.float32).astype(np.float64)


def write_csv(name, header, cols):
    with open(os.path.join(HERE, name), "w") as out:
        out.write(",".join(header) + "\n")
        for row in zip(*cols):
            out.write(",".join(repr(float(v)) if isinstance(v, float) else str(v)
                               for v in row) + "\n")


def make_cls(seed, noise):
    rng = np.random.default_rng(seed)
    n, p = 240, 5
    X = f32(rng.standard_normal((n, p)) * [1.0, 2.0, 0.5, 3.0, 1.5])
    z = np.stack([X[:, 0] - X[:, 1] * 0.5, X[:, 2] * 2 + X[:, 3] * 0.3, -X[:, 0] + X[:, 4]])
    z = z + rng.standard_normal(z.shape) * noise
    y = np.argmax(z, axis=0)
    w = f32(rng.uniform(0.5, 2.0, n))
    return X, y, w


def make_reg(seed):
    rng = np.random.default_rng(seed)
    n, p = 200, 4
    X = f32(rng.uniform(-2, 2, (n, p)) * [1.0, 3.0, 0.5, 2.0])
    y = np.sin(X[:, 0] * 1.5) * 3 + X[:, 1] * 0.8 + np.where(X[:, 2] > 0, 2.0, -1.0) \
        + rng.standard_normal(n) * 0.5
    y = np.round(y, 6)
    w = f32(rng.uniform(0.5, 2.0, n))
    return X, y, w


def make_bin(seed):
    rng = np.random.default_rng(seed)
    n, p = 400, 6
    X = f32(rng.standard_normal((n, p)))
    z = 1.5 * X[:, 0] - X[:, 1] + 0.8 * X[:, 2] * X[:, 3] + 0.3 * X[:, 4]
    y = (z + rng.standard_normal(n) * 0.7 > 0).astype(int)
    return X, y


def distinct(X):
    return all(len(np.unique(X[:, j])) == len(X) for j in range(X.shape[1]))


# name, options, weighted
CLS_CONFIGS = [
    ("c_gini_w", dict(), True),
    ("c_entropy_w", dict(criterion="entropy"), True),
    ("c_entropy_d4", dict(criterion="entropy", max_depth=4), False),
    ("c_leaf5_split12_w", dict(min_samples_leaf=5, min_samples_split=12), True),
    ("c_decrease", dict(min_impurity_decrease=0.01), False),
]
REG_CONFIGS = [
    ("r_mse", dict(), False),
    ("r_d5_leaf3", dict(max_depth=5, min_samples_leaf=3), False),
    ("r_weighted", dict(min_samples_split=6), True),
]


def side_proxies(crit, Xs, ys, ws, K):
    """The proxy of every split of rows sorted by one feature: left = first q+1."""
    if K:
        C = np.cumsum(np.eye(K)[ys] * ws[:, None], axis=0)
        tot = C[-1]
        L, R = C[:-1], tot - C[:-1]
        WL, WR = L.sum(1), R.sum(1)
        if crit == "gini":
            return (L * L).sum(1) / WL + (R * R).sum(1) / WR
        with np.errstate(divide="ignore", invalid="ignore"):
            el = np.where(L > 0, L * np.log2(L / WL[:, None]), 0).sum(1)
            er = np.where(R > 0, R * np.log2(R / WR[:, None]), 0).sum(1)
        return el + er
    W, S = np.cumsum(ws), np.cumsum(ws * ys)
    WL, SL = W[:-1], S[:-1]
    WR, SR = W[-1] - WL, S[-1] - SL
    return SL * SL / WL + SR * SR / WR


def scale_of(crit, ys, ws, K):
    if K:
        return ws.sum()
    return (ws * ys * ys).sum()


def canonical(model, X, y, w, K, crit, msl):
    """scikit-learn's tree with each split made by the lowest feature giving
    the same partition (aiwb's rule), as nested dicts; None if some node has
    another partition about as good as the one chosen (a real tie)."""
    t = model.tree_
    ind = model.decision_path(X).toarray().astype(bool)

    def build(i):
        node = dict(n=int(t.n_node_samples[i]), impurity=float(t.impurity[i]),
                    weight=float(t.weighted_n_node_samples[i]))
        v = t.value[i][0]
        node["value"] = list(v / v.sum()) if K else [float(v[0])]
        if t.children_left[i] == -1:
            node["feature"] = -1
            return node
        rows = np.nonzero(ind[:, i])[0]
        f, thr = int(t.feature[i]), float(t.threshold[i])
        left = X[rows, f] <= thr
        best = None
        cands = []
        for j in range(X.shape[1]):
            o = np.argsort(X[rows, j], kind="stable")
            xs = X[rows[o], j]
            pr = side_proxies(crit, xs, y[rows[o]], w[rows[o]], K)
            n = len(rows)
            q = np.arange(n - 1)
            ok = (xs[1:] > xs[:-1]) & (q + 1 >= msl) & (n - q - 1 >= msl)
            for qq in np.nonzero(ok)[0]:
                cands.append((pr[qq], j, qq, o))
        top = max(c[0] for c in cands)
        tol = 1e-9 * scale_of(crit, y[rows], w[rows], K)
        swap = False
        for pr, j, qq, o in sorted(cands, key=lambda c: (c[1], c[2])):
            if pr < top - tol:
                continue
            lset = np.zeros(len(rows), bool)
            lset[o[:qq + 1]] = True
            if np.array_equal(lset, left):
                sw = False
            elif np.array_equal(lset, ~left):
                sw = True
            else:
                return None  # another partition as good: a real tie
            if best is None:
                xs = X[rows[o], j]
                best = (j, midpoint(xs[qq], xs[qq + 1]))
                swap = sw
        node["feature"], node["threshold"] = best
        a, b = build(t.children_left[i]), build(t.children_right[i])
        if a is None or b is None:
            return None
        node["left"], node["right"] = (b, a) if swap else (a, b)
        return node

    return build(0)


def midpoint(lo, hi):
    t = lo / 2.0 + hi / 2.0
    if t == hi or np.isinf(t):
        t = lo
    return float(t)


def walk(node, x):
    while node["feature"] >= 0:
        node = node["left"] if x[node["feature"]] <= node["threshold"] else node["right"]
    return node["value"]


def preorder(node):
    out, stack = [], [node]
    while stack:
        nd = stack.pop()
        out.append(nd)
        if nd["feature"] >= 0:
            stack.append(nd["right"])
            stack.append(nd["left"])
    return out


def importances(root, p):
    imp = np.zeros(p)
    for nd in preorder(root):
        if nd["feature"] >= 0:
            l, r = nd["left"], nd["right"]
            imp[nd["feature"]] += (nd["weight"] * nd["impurity"] - l["weight"] * l["impurity"]
                                   - r["weight"] * r["impurity"])
    imp /= root["weight"]
    return imp / imp.sum() if imp.sum() > 0 else imp


def fit_canonical(cls, X, y, w, opts, weighted):
    K = len(np.unique(y)) if cls is DecisionTreeClassifier else 0
    crit = opts.get("criterion", "gini" if K else "squared_error")
    m = cls(random_state=0, **opts).fit(X, y, sample_weight=w if weighted else None)
    return canonical(m, X, y, w if weighted else np.ones(len(y)), K, crit,
                     opts.get("min_samples_leaf", 1))


def emit_tree(out, name, root, p, Xt):
    nodes = preorder(root)
    line(out, name + ".feature", [nd["feature"] for nd in nodes])
    line(out, name + ".threshold", [nd.get("threshold", 0.0) for nd in nodes])
    line(out, name + ".n", [nd["n"] for nd in nodes])
    line(out, name + ".impurity", [nd["impurity"] for nd in nodes])
    line(out, name + ".value", [v for nd in nodes for v in nd["value"]])
    line(out, name + ".importance", importances(root, p))
    line(out, name + ".pred", [v for x in Xt for v in walk(root, x)])


def line(out, key, values):
    out.write(key + " " + " ".join("%.17g" % v for v in values) + "\n")


def prune_refs(out, tag, cls, X, y, w):
    path = cls(random_state=0).cost_complexity_pruning_path(X, y, sample_weight=w)
    line(out, "path.%s.alpha" % tag, path.ccp_alphas)
    line(out, "path.%s.impurity" % tag, path.impurities)
    a = path.ccp_alphas
    picks = sorted(set([1, 2, len(a) // 4, len(a) // 2, len(a) - 3, len(a) - 2]))
    line(out, "prune.%s.picks" % tag, picks)
    for k in picks:
        alpha = (a[k] + a[k + 1]) / 2
        m = cls(random_state=0, ccp_alpha=alpha).fit(X, y, sample_weight=w)
        K = len(np.unique(y)) if cls is DecisionTreeClassifier else 0
        root = canonical(m, X, y, w if w is not None else np.ones(len(y)), K,
                         "gini" if K else "squared_error", 1)
        assert root is not None
        line(out, "prune.%s.%d.alpha" % (tag, k), [alpha])
        line(out, "prune.%s.%d.leaves" % (tag, k), [m.get_n_leaves()])
        emit_tree(out, "prune.%s.%d" % (tag, k), root, X.shape[1], XT[:, :X.shape[1]])


def oob_refs(out, tag, cls, X, y, **opts):
    scores, imps = [], []
    for rs in range(30):
        f = cls(n_estimators=100, oob_score=True, random_state=rs, **opts).fit(X, y)
        scores.append(f.oob_score_)
        imps.append(f.feature_importances_)
    line(out, "oob.%s.score" % tag, scores)
    line(out, "oob.%s.importance" % tag, np.mean(imps, axis=0))


def find_seed(make, cls, configs):
    for seed in range(1, 200):
        X, y, w = make(seed)
        if not distinct(X):
            continue
        trees = [fit_canonical(cls, X, y, w, o, wt) for _, o, wt in configs]
        if all(t is not None for t in trees):
            return seed, X, y, w, trees
    raise SystemExit("no tie-free data seed found")


def main():
    global XT
    rng = np.random.default_rng(99)
    XT = f32(rng.standard_normal((60, 5)) * [1.0, 2.5, 0.6, 3.0, 1.5])
    cseed, Xc, yc, wc, ctrees = find_seed(lambda s: make_cls(s, 0.3), DecisionTreeClassifier,
                                          CLS_CONFIGS)
    rseed, Xr, yr, wr, rtrees = find_seed(make_reg, DecisionTreeRegressor, REG_CONFIGS)
    Xb, yb = make_bin(7)

    write_csv("cls.csv", ["x1", "x2", "x3", "x4", "x5", "w", "y"],
              [*[list(map(float, Xc[:, j])) for j in range(5)], list(map(float, wc)),
               list(map(int, yc))])
    write_csv("reg.csv", ["x1", "x2", "x3", "x4", "w", "y"],
              [*[list(map(float, Xr[:, j])) for j in range(4)], list(map(float, wr)),
               list(map(float, yr))])
    write_csv("bin.csv", ["x1", "x2", "x3", "x4", "x5", "x6", "y"],
              [*[list(map(float, Xb[:, j])) for j in range(6)], list(map(int, yb))])
    write_csv("test.csv", ["x1", "x2", "x3", "x4", "x5"],
              [list(map(float, XT[:, j])) for j in range(5)])

    with open(os.path.join(HERE, "sklearn-tree.txt"), "w") as out:
        out.write("# made by make-fixtures.py with scikit-learn %s, numpy %s; do not edit\n"
                  % (sklearn.__version__, np.__version__))
        out.write("# data seeds: cls %d, reg %d, bin 7\n" % (cseed, rseed))
        for (name, opts, weighted), root in zip(CLS_CONFIGS, ctrees):
            out.write("# %s: DecisionTreeClassifier(%s)%s\n"
                      % (name, opts, ", sample_weight=w" if weighted else ""))
            emit_tree(out, name, root, 5, XT)
        for (name, opts, weighted), root in zip(REG_CONFIGS, rtrees):
            out.write("# %s: DecisionTreeRegressor(%s)%s\n"
                      % (name, opts, ", sample_weight=w" if weighted else ""))
            emit_tree(out, name, root, 4, XT[:, :4])
        out.write("# cost_complexity_pruning_path of cls (weighted) and reg, and fits between "
                  "its alphas\n")
        prune_refs(out, "cls", DecisionTreeClassifier, Xc, yc, wc)
        prune_refs(out, "reg", DecisionTreeRegressor, Xr, yr, None)
        out.write("# RandomForest*(n_estimators=100, oob_score=True), random_state 0..29\n")
        oob_refs(out, "bin", RandomForestClassifier, Xb, yb)
        oob_refs(out, "reg", RandomForestRegressor, Xr, yr)
    print("cls seed %d, reg seed %d" % (cseed, rseed))


if __name__ == "__main__":
    main()
