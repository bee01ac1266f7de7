#!/usr/bin/python3
# make-cli-data.py - the inputs of the drift sessions (tests/cli/25xx-drift-*)
# that gen: cannot make: missing values and categorical columns that drift.
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Regenerate (from the top of the source tree):
#   /usr/bin/python3 tests/data/drift/make-cli-data.py
# It writes into tests/data/cli/ (which the sessions get as data/):
#   drift-ref.csv  2000 rows, the reference
#   drift-cur.csv  2000 other rows; of its columns exactly these drift:
#                  income  its missing rate only: 2% -> 15% (the values
#                          present come from the same distribution)
#                  region  likewise, categorical: 1% -> 12%
#                  channel the shares of its levels: web .5 store .3 phone .2
#                          -> .3 .3 .3, and a new level app .1
#                  amount, age and plan are new draws from the same model
#   drift-typed.csv  a few rows where age holds text: a type mismatch
#   drift-other.csv  a few rows sharing no column with drift-ref.csv
#   drift-inf.csv    a few rows of amount, one of them infinite
import csv
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "cli")
N = 2000


def draw(rng, income_missing, region_missing, channel_p, channel_levels):
    rows = []
    for _ in range(N):
        amount = round(float(np.exp(rng.normal(3, 0.8))), 2)
        age = "" if rng.random() < 0.02 else str(int(np.clip(round(rng.normal(40, 10)), 18, 90)))
        income = round(float(rng.normal(50, 15)), 1)
        income = "" if rng.random() < income_missing else repr(income)
        channel = channel_levels[rng.choice(len(channel_levels), p=channel_p)]
        region = ["north", "south", "east", "west"][rng.integers(4)]
        region = "" if rng.random() < region_missing else region
        plan = ["basic", "plus", "pro"][rng.choice(3, p=[0.6, 0.3, 0.1])]
        rows.append([repr(amount), age, income, channel, region, plan])
    return rows


def write(name, header, rows):
    with open(os.path.join(OUT, name), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


header = ["amount", "age", "income", "channel", "region", "plan"]
rng = np.random.default_rng(2505)
write("drift-ref.csv", header,
      draw(rng, 0.02, 0.01, [0.5, 0.3, 0.2], ["web", "store", "phone"]))
write("drift-cur.csv", header,
      draw(rng, 0.15, 0.12, [0.3, 0.3, 0.3, 0.1], ["web", "store", "phone", "app"]))
write("drift-typed.csv", ["amount", "age"],
      [["12.5", "41"], ["7.25", "unknown"], ["30.0", "35"]])
write("drift-other.csv", ["a", "b"], [["1", "x"], ["2", "y"]])
write("drift-inf.csv", ["amount"], [["12.5"], ["7.25"], ["inf"], ["30.0"]])
