#!/usr/bin/python3
# make-fixtures.py - the data and scikit-learn reference numbers of
# tests/unit/test-mlp.c.
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Regenerate (Debian 12: python3-sklearn 1.2.1, numpy 1.24), from this folder:
#     /usr/bin/python3 make-fixtures.py
# It writes
#   iris-std.csv       tests/data/algo/iris.csv with the features standardised
#                      (numpy, ddof 0), %.17g, species as codes 0..2
#   diabetes-std.csv   datasets/diabetes.csv with the ten features and y
#                      standardised likewise
#   sklearn-mlp.txt    one line "name value..." per array, %.17g:
#     NAME.init, NAME.final  the weights before and after training, in the
#                      plugin's order: W_1 (fan_in x fan_out, row-major as
#                      sklearn's coefs_[0]), b_1, W_2, b_2, ...
#     NAME.loss        sklearn's loss_curve_ of those epochs
#     iris_acc.sklearn, diabetes_r2.sklearn  test accuracy / R^2 of ten seeds
#
# The exact cases: MLPClassifier or MLPRegressor with shuffle=False,
# tol=0, n_iter_no_change large and no early stopping, started from seeded
# uniform(-0.5, 0.5) weights (warm_start after a first fit that only builds
# the layers) and trained EPOCHS epochs. The plugin, given the same weights
# (loaded, then trained further) and options, must reach the same weights.
import os
import warnings

import numpy as np
import sklearn
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier, MLPRegressor

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.normpath(os.path.join(HERE, "..", "..", ".."))

warnings.simplefilter("ignore", ConvergenceWarning)


def read_csv(path):
    with open(path) as fh:
        header = fh.readline().strip().split(",")
        rows = [[float(v) for v in line.split(",")] for line in fh if line.strip()]
    return header, np.array(rows)


def standardise(a):
    return (a - a.mean(axis=0)) / a.std(axis=0)


def write_csv(name, header, X, y, ycode):
    with open(os.path.join(HERE, name), "w") as out:
        out.write(",".join(header) + "\n")
        for row, t in zip(X, y):
            cells = ["%.17g" % v for v in row]
            cells.append("%d" % t if ycode else "%.17g" % t)
            out.write(",".join(cells) + "\n")


def data():
    header, a = read_csv(os.path.join(TOP, "tests", "data", "algo", "iris.csv"))
    iris = (standardise(a[:, :4]), a[:, 4].astype(int))
    write_csv("iris-std.csv", header, iris[0], iris[1], True)
    header, a = read_csv(os.path.join(TOP, "datasets", "diabetes.csv"))
    a = standardise(a)
    diabetes = (a[:, :10], a[:, 10])
    write_csv("diabetes-std.csv", header, diabetes[0], diabetes[1], False)
    header, a = read_csv(os.path.join(TOP, "tests", "data", "algo", "binary.csv"))
    binary = (a[:, :4], a[:, 5].astype(int))  # column 4 is the weight: not used
    return iris, diabetes, binary


def pack(coefs, intercepts):
    out = []
    for W, b in zip(coefs, intercepts):
        out.extend(W.ravel())
        out.extend(b)
    return out


def exact(out, name, model, X, y, seed, epochs):
    model.set_params(max_iter=1, warm_start=True)
    model.fit(X, y)  # builds the layers
    rng = np.random.RandomState(seed)
    model.coefs_ = [rng.uniform(-0.5, 0.5, W.shape) for W in model.coefs_]
    model.intercepts_ = [rng.uniform(-0.5, 0.5, b.shape) for b in model.intercepts_]
    init = pack(model.coefs_, model.intercepts_)
    before = len(model.loss_curve_)
    model.set_params(max_iter=epochs)
    model.fit(X, y)
    curve = model.loss_curve_[before:]
    assert len(curve) == epochs
    out.write("%s.init %s\n" % (name, " ".join("%.17g" % v for v in init)))
    out.write("%s.final %s\n" % (name, " ".join("%.17g" % v for v in
                                                 pack(model.coefs_, model.intercepts_))))
    out.write("%s.loss %s\n" % (name, " ".join("%.17g" % v for v in curve)))


def common(**kw):
    base = dict(shuffle=False, tol=0.0, n_iter_no_change=100000, early_stopping=False)
    base.update(kw)
    return base


def exact_cases(out, iris, diabetes, binary):
    exact(out, "iris_tanh_gd",
          MLPClassifier(**common(hidden_layer_sizes=(5, 4), activation="tanh", solver="sgd",
                                 learning_rate_init=0.1, batch_size=150, momentum=0.0,
                                 alpha=1e-3)),
          iris[0], iris[1], 1, 50)
    exact(out, "binary_relu_nesterov",
          MLPClassifier(**common(hidden_layer_sizes=(6,), activation="relu", solver="sgd",
                                 learning_rate_init=0.05, batch_size=300, momentum=0.9,
                                 nesterovs_momentum=True, alpha=1e-2)),
          binary[0], binary[1], 2, 40)
    exact(out, "diabetes_logistic_adam",
          MLPRegressor(**common(hidden_layer_sizes=(8, 3), activation="logistic",
                                solver="adam", learning_rate_init=0.01, batch_size=64,
                                alpha=1e-4)),
          diabetes[0], diabetes[1], 3, 20)
    exact(out, "iris_identity_momentum",
          MLPClassifier(**common(hidden_layer_sizes=(3,), activation="identity", solver="sgd",
                                 learning_rate_init=0.05, batch_size=32, momentum=0.5,
                                 nesterovs_momentum=False, alpha=0.0)),
          iris[0], iris[1], 4, 30)


def quality(out, iris, diabetes):
    """Test accuracy and R^2 of ten seeds; the test rows are those i % 5 == 0."""
    for name, (X, y), make in (
        ("iris_acc", iris,
         lambda s: MLPClassifier(hidden_layer_sizes=(16,), learning_rate_init=0.01,
                                 max_iter=300, random_state=s)),
        ("diabetes_r2", diabetes,
         lambda s: MLPRegressor(hidden_layer_sizes=(32,), learning_rate_init=0.001,
                                max_iter=200, random_state=s)),
    ):
        test = np.arange(len(y)) % 5 == 0
        scores = [make(s).fit(X[~test], y[~test]).score(X[test], y[test]) for s in range(10)]
        out.write("%s.sklearn %s\n" % (name, " ".join("%.17g" % v for v in scores)))


def main():
    iris, diabetes, binary = data()
    with open(os.path.join(HERE, "sklearn-mlp.txt"), "w") as out:
        out.write("# made by make-fixtures.py with scikit-learn %s, numpy %s\n"
                  % (sklearn.__version__, np.__version__))
        exact_cases(out, iris, diabetes, binary)
        quality(out, iris, diabetes)


if __name__ == "__main__":
    main()
