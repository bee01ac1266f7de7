#!/usr/bin/python3
# make-live.py - live.csv: the 150 iris flowers as `load live` reads a
# prediction server's log of them with its feedback joined (an id, a time,
# the model's version, the inputs, the prediction served, the true species
# where feedback came: for three rows in four), the measurements drifted
# (sepal_length +0.4, petal_length +1.5, petal_width +0.5, some noise), so
# that a model trained before the drift errs more than one retrained on it.
# tests/cli/2730-retrain-promote.aiwb retrains and promotes on it.
# Regenerate: python3 tests/data/versions/make-live.py > tests/data/versions/live.csv
#
# SPDX-License-Identifier: GPL-3.0-or-later
import csv
import os
import random

here = os.path.dirname(os.path.abspath(__file__))
rng = random.Random(6)
with open(os.path.join(here, "..", "..", "..", "datasets", "iris.csv")) as f:
    rows = list(csv.DictReader(f))
rng.shuffle(rows)
species = sorted({r["species"] for r in rows})
print("id,time,version,sepal_length,sepal_width,petal_length,petal_width,prediction,species")
for i, r in enumerate(rows):
    x = [float(r[c]) + rng.gauss(0, 0.15) for c in
         ("sepal_length", "sepal_width", "petal_length", "petal_width")]
    x[0] += 0.4
    x[2] += 1.5
    x[3] += 0.5
    served = r["species"] if rng.random() > 0.1 else rng.choice(species)
    print("3f9a0c1b2d4e-%d,2026-11-27T10:%02d:%02d.000Z,1,%s,%s,%s" % (
        i + 1, i // 60, i % 60, ",".join("%.1f" % max(v, 0.1) for v in x), served,
        r["species"] if i % 4 != 3 else ""))
