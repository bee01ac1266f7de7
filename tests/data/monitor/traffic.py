#!/usr/bin/env python3
# traffic.py NAME DATASET: what a model of DATASET (iris: a classifier of
# species; diabetes: a regressor of y) served as NAME (serve.sh) sees in
# tests/cli/272x-monitor*.aiwb, over one keep-alive connection:
#   - 150 rows of the dataset one by one, shuffled (iris in file order is
#     sorted by species: the inputs' means would change along the rows, and
#     Page-Hinkley would rightly say so), each labelled with its true target at
#     /feedback as soon as answered;
#   - 100 of them again with one input shifted (drift): iris's petal_length 3 cm
#     longer, each labelled "setosa", mostly wrongly; diabetes's bmi 10 higher,
#     labelled with its true y, which the predictions now miss (the live error
#     rises);
#   - a batch of 5 rows; a label for a prediction never made; a malformed
#     request; an unknown path.
# Each prediction is labelled before the next is made: the server remembers
# predictions in a table indexed by a hash of their id, where two predictions
# waiting for their labels may collide (their ids change from run to run), and
# the golden output must not depend on that.
#
# SPDX-License-Identifier: GPL-3.0-or-later

import csv
import http.client
import json
import os
import sys

SETUPS = {
    "iris": {"target": "species", "shift": ("petal_length", 3.0), "wrong": "setosa"},
    "diabetes": {"target": "y", "shift": ("bmi", 10.0), "wrong": None},
}

name, dataset = sys.argv[1], sys.argv[2]
setup = SETUPS[dataset]
with open(name + ".port") as f:
    conn = http.client.HTTPConnection("127.0.0.1", int(f.read()), timeout=10)


def post(path, body):
    conn.request("POST", path, body if isinstance(body, str) else json.dumps(body),
                 {"Content-Type": "application/json"})
    r = conn.getresponse()
    return r.status, r.read().decode()


with open(os.path.join(os.environ["top_srcdir"], "datasets", dataset + ".csv")) as f:
    data = list(csv.DictReader(f))
rows = [data[(i * 37) % len(data)] for i in range(150)]
target = setup["target"]


def inputs(r, shift=0.0):
    x = {k: float(v) for k, v in r.items() if k != target}
    col = setup["shift"][0]
    x[col] = round(x[col] + shift, 10)
    return x


def truth(r):
    return r[target] if target == "species" else float(r[target])


def predict_and_label(x, label):
    status, text = post("/predict", x)
    assert status == 200, text
    status, text = post("/feedback", {"id": json.loads(text)["id"], "label": label})
    assert status == 200 and json.loads(text)["matched"], text


for r in rows:
    predict_and_label(inputs(r), truth(r))
for r in rows[:100]:
    wrong = setup["wrong"]
    predict_and_label(inputs(r, setup["shift"][1]), wrong if wrong is not None else truth(r))
status, text = post("/predict", [inputs(r) for r in rows[:5]])
assert status == 200 and len(json.loads(text)["predictions"]) == 5, text
print(*post("/feedback", {"id": "nobody-1", "label": truth(rows[0])}))
print(*post("/predict", '{"sepal_length": 5.1,'))
conn.request("GET", "/nowhere")
r = conn.getresponse()
print(r.status, r.read().decode())
