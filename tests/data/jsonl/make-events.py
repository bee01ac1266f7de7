#!/usr/bin/python3
# make-events.py - writes events.jsonl (a log of nested JSON objects, fixed
# seed) and events-expected.txt (what reading it must give, computed with
# pandas.json_normalize) for tests/unit/test-jsonl.c.
#
# Regenerate (from this folder): /usr/bin/python3 make-events.py
# (Debian 12: python3 3.11, pandas 1.5.3, numpy 1.24.2.)
#
# events-expected.txt has one line per column, in the order aiwb must give
# them (the keys' first appearance):
#   NAME|numeric|MISSING|SUM
#   NAME|categorical|MISSING|LEVEL=COUNT,LEVEL=COUNT,...   (levels sorted)
# Arrays are flattened by position as the jsonl source does (x.0, x.1);
# json_normalize keeps lists whole, so they are turned into objects first.
# true/false count as 1/0.
#
# SPDX-License-Identifier: GPL-3.0-or-later
import json
import math
import random

import numpy as np
import pandas as pd

rng = random.Random(20240611)
N = 400


def shortest(v):
    """A number as the jsonl source spells a level: %.15g, %.16g or %.17g."""
    for p in (15, 16, 17):
        s = "%.*g" % (p, v)
        if float(s) == v:
            return s
    return s


records = []
for i in range(N):
    r = {"id": i + 1, "ts": "2024-06-%02dT%02d:%02d:00Z" % (1 + i % 28, i % 24, i % 60)}
    user = {"id": rng.randrange(1, 60), "country": rng.choice(["de", "fr", "jp", "us", "br"])}
    if rng.random() < 0.7:
        user["premium"] = rng.random() < 0.4
    r["user"] = user
    feats = {"age": round(rng.uniform(18, 90), 1), "income": rng.lognormvariate(10, 0.8)}
    if rng.random() < 0.1:
        feats["age"] = None
    if rng.random() < 0.15:
        del feats["income"]
    r["features"] = feats
    r["scores"] = [rng.gauss(0, 1) for _ in range(rng.choice([2, 2, 3]))]
    # mostly numbers, a few strings: categorical with a warning
    r["amount"] = round(rng.uniform(1, 500), 2) if rng.random() < 0.97 else "n/a"
    r["label"] = rng.choice(["yes", "no"])
    if i >= 50:  # a key that appears late: missing before
        r["latency_ms"] = rng.expovariate(1 / 40.0)
    if rng.random() < 0.05:
        r["note"] = None
    records.append(r)

with open("events.jsonl", "w", encoding="utf-8") as f:
    for r in records:
        f.write(json.dumps(r, separators=(",", ":")) + "\n")


def arrays_to_objects(v):
    if isinstance(v, list):
        return {str(i): arrays_to_objects(x) for i, x in enumerate(v)}
    if isinstance(v, dict):
        return {k: arrays_to_objects(x) for k, x in v.items()}
    return v


# Read the file back, as a user would check it.
with open("events.jsonl", encoding="utf-8") as f:
    back = [arrays_to_objects(json.loads(line)) for line in f]
df = pd.json_normalize(back, sep=".")

# The columns in the order their keys first appear, depth first, as the
# jsonl source gives them (json_normalize puts nested keys after the others).
order = []


def walk(v, prefix):
    if isinstance(v, dict):
        for k, x in v.items():
            walk(x, prefix + "." + k if prefix else k)
    elif prefix not in order:
        order.append(prefix)


for r in back:
    walk(r, "")
assert sorted(order) == sorted(df.columns)
df = df[order]

with open("events-expected.txt", "w", encoding="utf-8") as out:
    for name in df.columns:
        col = df[name]
        values = [v for v in col if v is not None and not (isinstance(v, float) and math.isnan(v))]
        missing = len(col) - len(values)
        if any(isinstance(v, str) for v in values):
            counts = {}
            for v in values:
                if isinstance(v, bool):
                    t = "true" if v else "false"
                elif isinstance(v, (int, float)):
                    t = shortest(float(v))
                else:
                    t = v
                counts[t] = counts.get(t, 0) + 1
            levels = ",".join("%s=%d" % (k, counts[k]) for k in sorted(counts))
            out.write("%s|categorical|%d|%s\n" % (name, missing, levels))
        else:
            total = float(np.sum(np.array([float(v) for v in values], dtype=np.float64)))
            out.write("%s|numeric|%d|%.17g\n" % (name, missing, total))
