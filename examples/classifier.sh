#!/bin/sh
# classifier.sh - a classifier in production, unattended: train -> export ->
# serve -> traffic that drifts -> /metrics and `monitor` see it -> labels
# come back -> the log back in aiwb -> drift and live accuracy -> a gate that
# retrains, compares and promotes only when the checks say so.
# Run it from anywhere; WORK=DIR keeps its files.
#
# SPDX-License-Identifier: GPL-3.0-or-later
set -eu
. "$(dirname "$0")/common.sh"

say "1. Train a classifier on 2,000 rows; keep 1,000 aside"
wb "load c gen:classification n=3000 features=5 classes=2 seed=11;
    split c ratio=0.667 seed=1;
    train logistic on c.train target=class with standardize as clf;
    eval clf on c.test; promote clf version=1"

say "2. Export it and serve it, with a request log and a token"
wb "export clf to $work/clf"
export AIWB_SERVER_TOKEN=example-token
serve "$work/clf" --log "$work/clf/predictions.log"
auth="Authorization: Bearer $AIWB_SERVER_TOKEN"

say "3. Traffic: 500 rows like the training data, then 500 whose x2 has moved"
"$aiwb" -w "$ws" -c "write c.test $work/test.csv" > /dev/null
python3 - "$work/test.csv" "$url" "$AIWB_SERVER_TOKEN" <<'PY'
import csv, json, sys, urllib.request
rows = list(csv.DictReader(open(sys.argv[1])))
def post(path, body):
    req = urllib.request.Request(sys.argv[2] + path, data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json",
                                          "Authorization": "Bearer " + sys.argv[3]})
    return json.loads(urllib.request.urlopen(req).read())
def features(r, shift):
    return {k: float(v) + (shift if k == "x2" else 0) for k, v in r.items() if k != "class"}
right = 0
for i, r in enumerate(rows):
    shift = 0 if i < 500 else 2.5
    answer = post("/predict", features(r, shift))
    # the truth arrives later, for every other row
    if i % 2 == 0:
        post("/feedback", {"id": answer["id"], "label": r["class"]})
    right += answer["prediction"] == r["class"]
print("served %d predictions, %d right" % (len(rows), right))
PY

say "4. What the server sees: /metrics, and \`monitor\` in aiwb"
curl -sS -H "$auth" "$url/metrics" |
    grep -E '^aiwb_(feature_psi|feature_change_alarm|live_accuracy|error_change_alarm)'
wb "monitor $url times=1 show=predictions,drift,feedback"
unserve

say "5. The log back in aiwb: drift against the training data, live accuracy"
wb "load live $work/clf/predictions.log; drift c.train live columns=x1,x2,x3,x4,x5;
    eval clf on live"

say "6. The scheduled job's gate: retrain when the inputs drifted"
if wb "assert drift(c.train, live, columns='x1,x2,x3,x4,x5').max_psi < 0.2"; then
    echo "no drift: nothing to do"
else
    echo "drift: retrain on half the labelled live rows, compare on the other half"
    wb "split live ratio=0.5 seed=3; retrain clf on live.train"
    wb "assert eval(clf:2, live.test).accuracy >= eval(clf:1, live.test).accuracy"
    wb "promote clf version=2 on live.test"
    wb "export clf version=2 to $work/clf2; models clf"
    "$work/clf2/aiwb-server" --check
fi

say "done: the files are in $work"
