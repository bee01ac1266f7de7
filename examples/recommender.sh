#!/bin/sh
# recommender.sh - the recommendation system end to end, unattended:
# interactions -> als -> ranking metrics -> export -> serve -> recommendations
# over HTTP -> feedback -> the log back in aiwb -> update and retrain ->
# compare -> promote -> export the new version. Run it from anywhere; WORK=DIR keeps its files.
#
# SPDX-License-Identifier: GPL-3.0-or-later
set -eu
. "$(dirname "$0")/common.sh"

say "1. Interactions: 200 users rate 80 items (a synthetic, seeded sample)"
# r.train: what the model learns from; r.test splits again into r.test.train,
# the ratings users will give through the server later, and r.test.test, kept
# aside to judge the versions.
wb "load r gen:ratings users=200 items=80 density=0.15 seed=7; split r ratio=0.6 seed=1;
    split r.test ratio=0.5 seed=2; describe r"

say "2. Train ALS and measure how it ranks the held-out items"
wb "train als on r.train target=rating as rec; eval rec on r.test.test k=10 relevant=4"

say "3. Export it as a standalone server and start it"
wb "export rec to $work/rec; promote rec version=1"
serve "$work/rec" --log "$work/rec/predictions.log"

say "4. Ask for recommendations, and score (user, item) pairs"
post /predict '{"user": "u001", "k": 5}'
# The held-out ratings are the 'truth' that arrives later: score those pairs.
"$aiwb" -w "$ws" --format csv -c "write r.test.train $work/truth.csv" > /dev/null
python3 - "$work/truth.csv" "$url" > "$work/feedback.out" <<'PY'
import csv, json, sys, urllib.request
rows = list(csv.DictReader(open(sys.argv[1])))
def post(path, body):
    req = urllib.request.Request(sys.argv[2] + path, data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    return json.loads(urllib.request.urlopen(req).read())
answer = post("/predict", [{"user": r["user"], "item": r["item"]} for r in rows])
print("scored %d pairs, the first: %s" % (len(answer["predictions"]),
                                          json.dumps(answer["predictions"][0])))
# 5. The users' actual ratings come back as feedback, by prediction id.
matched = sum(post("/feedback", {"id": p["id"], "label": float(r["rating"])})["matched"]
              for p, r in zip(answer["predictions"], rows))
print("feedback: %d labels, %d matched to their prediction" % (len(rows), matched))
PY
cat "$work/feedback.out"

say "6. The server's metrics, then stop it (SIGTERM drains)"
curl -sS "$url/metrics" | grep -E '^aiwb_(predictions_total|recommendations_total|feedback)'
unserve

say "7. Load its log back: the pairs served, their scores, the ratings joined"
wb "load live $work/rec/predictions.log; describe live; eval rec on live k=10 relevant=4"

say "8. Feed what was learnt back: fold the live ratings in (update), or retrain"
# update folds the new interactions into the fitted model: version 2.
wb "load live $work/rec/predictions.log; update rec with live"
# retrain fits the recipe again from scratch on the old and the new ratings
# together: version 3 (the union made here with a little Python).
"$aiwb" -w "$ws" --format csv -c "write r.train $work/old.csv" > /dev/null
python3 - "$work/old.csv" "$work/rec/predictions.log" "$work/all.csv" <<'PY'
import csv, json, sys
out = csv.writer(open(sys.argv[3], "w", newline=""))
out.writerow(["user", "item", "rating"])
for r in csv.DictReader(open(sys.argv[1])):
    out.writerow([r["user"], r["item"], r["rating"]])
pairs, labels = {}, {}
for line in open(sys.argv[2]):
    rec = json.loads(line)
    if "feedback" in rec:
        labels[rec["feedback"]] = rec["label"]
    elif isinstance(rec.get("output"), dict):
        pairs[rec["id"]] = rec["input"]
for i, label in labels.items():
    if i in pairs:
        out.writerow([pairs[i]["user"], pairs[i]["item"], label])
PY
wb "load all $work/all.csv; retrain rec on all"

say "9. Compare the versions on the held-out ratings; promote only if better"
wb "eval rec:1 on r.test.test k=10 relevant=4; eval rec:3 on r.test.test k=10 relevant=4"
# The gate a scheduled job uses: assert fails (exit status 1) when the new
# version is worse, and nothing is promoted or exported.
if wb "assert eval(rec:3, r.test.test, k=10, relevant=4).ndcg >= eval(rec:1, r.test.test, k=10, relevant=4).ndcg"; then
    wb "promote rec version=3 on r.test.test k=10 relevant=4; models rec"
    wb "export rec version=3 to $work/rec3"
    "$work/rec3/aiwb-server" --check
else
    echo "version 3 ranks worse than version 1: version 1 stays live"
fi

say "done: the files are in $work"
