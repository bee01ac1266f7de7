#!/usr/bin/python3
# cluster-reference.py - scikit-learn's numbers for the clustering evaluation of
# tests/unit/test-pipeline.c (test_evaluate_clustering) on blobs.csv.
# SPDX-License-Identifier: GPL-3.0-or-later
#
# blobs.csv holds 24 points, 8 around each of (0, 0), (10, 0) and (0, 10)
# (normal noise of sd 1, numpy RandomState(4), rounded to 2 decimals), and
# the blob each came from. The blobs are far apart, so k-means with k=3
# finds them exactly; its inertia is then the blobs' within sum of squares.
# Run from the top of the source tree:
#     /usr/bin/python3 tests/data/metrics/cluster-reference.py \
#         > tests/data/metrics/cluster-reference.out
# and paste the numbers into test_evaluate_clustering.
import csv

import numpy as np
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score, silhouette_score

with open("tests/data/metrics/blobs.csv") as f:
    rows = list(csv.DictReader(f))
X = np.array([[float(r["x"]), float(r["y"])] for r in rows])
blob = np.array([r["blob"] for r in rows])

km = KMeans(n_clusters=3, n_init=10, random_state=0).fit(X)
origin = X[blob == "origin"]
print("k-means labels agree with the blobs (ari): %.17g" % adjusted_rand_score(blob, km.labels_))
print("inertia (KMeans.inertia_): %.17g" % km.inertia_)
print("within sum of squares of the blobs: %.17g" %
      sum(((X[blob == b] - X[blob == b].mean(axis=0)) ** 2).sum() for b in set(blob)))
print("silhouette (silhouette_score of the blobs): %.17g" % silhouette_score(X, blob))
print("origin blob alone, inertia around its mean: %.17g" %
      ((origin - origin.mean(axis=0)) ** 2).sum())
