#!/usr/bin/python3
# export.py - the "done means" for `export`: every algorithm (and the
# transforms that apply at predict time) exports; the exported server answers
# /predict with what the workbench's `predict` computes on the same raw rows,
# to 1e-9 relative; a recommender's /predict gives the items `recommend`
# gives. Run by export.sh (TAP). Uses only the Python standard library.
#
# SPDX-License-Identifier: GPL-3.0-or-later
import csv
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.request

SRC = os.environ["top_srcdir"]
BUILD = os.environ["top_builddir"]
AIWB = os.path.join(BUILD, "src", "aiwb")
DATA = os.path.join(SRC, "datasets")

tests = []


def ok(cond, name, detail=""):
    tests.append((bool(cond), name, detail))


def run_aiwb(ws, script):
    r = subprocess.run([AIWB, "-w", ws, "-f", "-"], input=script, text=True,
                       capture_output=True, cwd=os.path.dirname(ws))
    return r.returncode, r.stdout, r.stderr


class Server:
    """An exported server on a free port."""

    def __init__(self, exe, *args):
        self.proc = subprocess.Popen([exe, "--port", "0", "--threads", "1"] + list(args),
                                     stderr=subprocess.PIPE, text=True)
        line = self.proc.stderr.readline()
        if "http://" not in line:
            raise RuntimeError("the server did not start: " + line + self.proc.stderr.read())
        self.port = int(line.split("http://")[1].split("/")[0].rsplit(":", 1)[1])
        self.base = "http://127.0.0.1:%d" % self.port

    def call(self, path, body=None, headers=None):
        data = None if body is None else (body if isinstance(body, bytes)
                                          else json.dumps(body).encode())
        req = urllib.request.Request(self.base + path, data=data, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def stop(self):
        self.proc.terminate()
        rc = self.proc.wait(timeout=30)
        self.proc.stderr.close()
        return rc


def close(a, b, rel=1e-9):
    if a is None or b is None:
        return a is None and b is None
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return abs(a - b) <= rel * max(abs(a), abs(b), 1e-300)


def num(text):
    return float("nan") if text in ("NA", "") else float(text)


def json_rows(path, inputs):
    """The rows of CSV PATH over the model's inputs, as JSON objects: numbers
    for numeric inputs, strings for categorical ones, null for NA."""
    rows = []
    with open(path, newline="") as f:
        for rec in csv.DictReader(f):
            row = {}
            for inp in inputs:
                v = rec.get(inp["name"])
                if v is None or v == "NA":
                    row[inp["name"]] = None
                elif inp["type"] == "number":
                    row[inp["name"]] = float(v)
                else:
                    row[inp["name"]] = v
            rows.append(row)
    return rows


# (model, training dataset, test dataset, train command's tail)
MODELS = [
    ("logistic", "iris.train", "iris.test", "logistic on iris.train target=species"),
    ("logl1", "iris.train", "iris.test",
     "logistic on iris.train target=species penalty=l1 C=0.5 with standardize"),
    ("nbayes", "iris.train", "iris.test", "nbayes on iris.train target=species"),
    ("knn", "iris.train", "iris.test", "knn on iris.train target=species k=5 with standardize"),
    ("tree", "iris.train", "iris.test", "tree on iris.train target=species"),
    ("forest", "iris.train", "iris.test", "forest on iris.train target=species n_trees=50"),
    ("mlp", "iris.train", "iris.test",
     "mlp on iris.train target=species hidden=8 max_iter=30 with standardize"),
    ("kmeans", "iris.train", "iris.test", "kmeans on iris.train target=species k=3"),
    ("gmm", "iris.train", "iris.test", "gmm on iris.train target=species k=3"),
    ("pca", "iris.train", "iris.test", "pca on iris.train target=species components=2"),
    ("ols", "diabetes.train", "diabetes.test", "ols on diabetes.train target=y"),
    ("ridge", "iris.train", "iris.test", "ridge on iris.train target=petal_width"),
    ("lasso", "diabetes.train", "diabetes.test",
     "lasso on diabetes.train target=y alpha=0.1 with standardize"),
    ("elasticnet", "diabetes.train", "diabetes.test",
     "elasticnet on diabetes.train target=y alpha=0.1"),
    ("robust", "diabetes.train", "diabetes.test", "robust on diabetes.train target=y"),
    ("spline", "diabetes.train", "diabetes.test", "spline on diabetes.train target=y"),
    ("poisson", "diabetes.train", "diabetes.test", "poisson on diabetes.train target=y"),
    ("treereg", "iris.train", "iris.test", "tree on iris.train target=petal_width"),
    ("airq", "airquality.train", "airquality.test",
     "ols on airquality.train target=Ozone with impute,log(columns=Wind),standardize"),
    ("airqmm", "airquality.train", "airquality.test",
     "ridge on airquality.train target=Ozone with impute(strategy=median),minmax,clip"),
    ("airqsel", "airquality.train", "airquality.test",
     "ols on airquality.train target=Ozone with select(columns='Solar.R,Wind,Temp'),impute,"
     "robust,pca(components=2)"),
]
RANKERS = [
    ("als", "train als on r.train target=rating"),
    ("itemknn", "train itemknn on r.train target=rating"),
    ("popular", "train popular on r.train target=rating by=rating"),
]


def main():
    tmp = tempfile.mkdtemp(prefix="aiwb-export-")
    ws = os.path.join(tmp, "w.db")
    script = ["load iris %s/iris.csv" % DATA, "split iris ratio=0.7 seed=1",
              "load diabetes %s/diabetes.csv" % DATA, "split diabetes ratio=0.7 seed=1",
              "load airquality %s/airquality.csv" % DATA, "split airquality ratio=0.7 seed=1",
              "load r gen:ratings users=60 items=30 density=0.3 seed=4",
              "split r ratio=0.8 seed=1"]
    for name, train, test, cmd in MODELS:
        script.append("train %s as %s" % (cmd, name))
    for name, cmd in RANKERS:
        script.append("%s as %s" % (cmd, name))
    for ds in ("iris.test", "diabetes.test", "airquality.test", "r.test"):
        script.append("write %s %s/%s.csv" % (ds, tmp, ds))
    for name, train, test, cmd in MODELS:
        script.append("predict %s on %s as p_%s" % (name, test, name))
        script.append("write p_%s %s/p_%s.csv" % (name, tmp, name))
        script.append("export %s to %s/%s" % (name, tmp, name))
    for name, cmd in RANKERS:
        script.append("predict %s on r.test as p_%s" % (name, name))
        script.append("write p_%s %s/p_%s.csv" % (name, tmp, name))
        script.append("export %s to %s/%s" % (name, tmp, name))
    rc, out, err = run_aiwb(ws, "\n".join(script) + "\n")
    ok(rc == 0, "the models train, predict and export", err[-2000:])
    if rc != 0:
        return finish(tmp)
    ok("drift reference: " in out and "exported logistic:1 to" in out,
       "export says what it wrote and where the drift reference came from", out[-500:])

    for name, train, test, cmd in MODELS:
        exe = os.path.join(tmp, name, "aiwb-server")
        try:
            srv = Server(exe)
        except Exception as e:  # noqa: BLE001 - reported as a failed test
            ok(False, "%s: the exported server starts" % name, str(e))
            continue
        status, meta = srv.call("/metadata")
        meta = json.loads(meta)
        rows = json_rows(os.path.join(tmp, test + ".csv"), meta["inputs"])
        status, body = srv.call("/predict", rows)
        answer = json.loads(body)
        expected = list(csv.DictReader(open(os.path.join(tmp, "p_%s.csv" % name))))
        bad = []
        if status != 200:
            bad.append("status %d: %s" % (status, body))
        else:
            preds = answer["predictions"]
            if len(preds) != len(expected):
                bad.append("%d predictions for %d rows" % (len(preds), len(expected)))
            for i, (p, e) in enumerate(zip(preds, expected)):
                if meta["task"] == "classification":
                    if p["prediction"] != e["prediction"]:
                        bad.append("row %d: %s, not %s" % (i + 1, p["prediction"],
                                                          e["prediction"]))
                    for cls, pr in p["probabilities"].items():
                        if not close(pr, num(e["p_" + cls])):
                            bad.append("row %d p_%s: %r, not %s" % (i + 1, cls, pr,
                                                                     e["p_" + cls]))
                elif meta["task"] == "regression":
                    if not close(p["prediction"], num(e["prediction"])):
                        bad.append("row %d: %r, not %s" % (i + 1, p["prediction"],
                                                          e["prediction"]))
                elif meta["task"] == "clustering":
                    if p["cluster"] + 1 != int(e["cluster"]):
                        bad.append("row %d: cluster %d, not %s" % (i + 1, p["cluster"] + 1,
                                                                  e["cluster"]))
                    for k, m in enumerate(p["membership"]):
                        col = "p_%d" % (k + 1)
                        if col in e and not close(m, num(e[col])):
                            bad.append("row %d %s: %r, not %s" % (i + 1, col, m, e[col]))
                elif meta["task"] == "decomposition":
                    for k, c in enumerate(p["components"]):
                        if not close(c, num(e["pc%d" % (k + 1)])):
                            bad.append("row %d pc%d: %r, not %s" % (i + 1, k + 1, c,
                                                                   e["pc%d" % (k + 1)]))
        ok(not bad, "%s (%s): the server's %d predictions equal the workbench's to 1e-9"
           % (name, meta.get("task"), len(expected)), "; ".join(bad[:5]))
        ok(srv.stop() == 0, "%s: SIGTERM stops the server with status 0" % name)

    for name, cmd in RANKERS:
        exe = os.path.join(tmp, name, "aiwb-server")
        srv = Server(exe)
        status, meta = srv.call("/metadata")
        meta = json.loads(meta)
        rows = json_rows(os.path.join(tmp, "r.test.csv"), meta["inputs"])
        status, body = srv.call("/predict", rows)
        expected = list(csv.DictReader(open(os.path.join(tmp, "p_%s.csv" % name))))
        bad = []
        preds = json.loads(body).get("predictions", []) if status == 200 else []
        if status != 200:
            bad.append("status %d: %s" % (status, body))
        for i, (p, e) in enumerate(zip(preds, expected)):
            if not close(p["score"], num(e["score"])):
                bad.append("row %d: %r, not %s" % (i + 1, p["score"], e["score"]))
        ok(not bad and len(preds) == len(expected),
           "%s: the server's %d scores of (user, item) pairs equal the workbench's"
           % (name, len(expected)), "; ".join(bad[:5]))
        user = rows[0]["user"]
        r = subprocess.run([AIWB, "-w", ws, "--format", "csv", "-c",
                            "recommend %s user=%s n=5" % (name, user)], capture_output=True,
                           text=True)
        want = [row for row in csv.DictReader(r.stdout.splitlines())]
        status, body = srv.call("/predict", {"user": user, "k": 5})
        got = json.loads(body).get("items", []) if status == 200 else []
        same = len(want) > 0 and len(got) == len(want) and all(
            g["item"] == w["item"] and close(g["score"], float(w["score"]))
            for g, w in zip(got, want))
        ok(same, "%s: /predict {\"user\": \"%s\", \"k\": 5} recommends what `recommend` does"
           % (name, user),
           "server %s; workbench %s" % (body[:300], r.stdout[:300] + r.stderr[:200]))
        srv.stop()
    return finish(tmp)


def finish(tmp):
    print("1..%d" % len(tests))
    for i, (good, name, detail) in enumerate(tests, 1):
        print("%s %d - %s" % ("ok" if good else "not ok", i, name))
        if not good and detail:
            for line in str(detail).splitlines()[:20]:
                print("#   " + line)
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
