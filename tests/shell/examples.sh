#!/bin/sh
# examples.sh - the walk-throughs in examples/ run unattended, as a user
# would run them, and reach their end: the recommender (export, serve,
# recommendations and feedback over HTTP, the log back, update, retrain,
# compare, promote, export again) and the classifier (drifting traffic seen
# by /metrics and `monitor`, the log back, drift, live accuracy, the assert
# gate, retrain, promote, export again).
# Prints TAP; `make check` runs it with top_srcdir and top_builddir exported.
#
# SPDX-License-Identifier: GPL-3.0-or-later

: "${top_srcdir:?run the tests with make check}"
: "${top_builddir:?run the tests with make check}"
command -v curl >/dev/null 2>&1 || { echo "1..0 # SKIP curl is not installed"; exit 0; }
echo "1..10"
n=0
ok() {
    n=$((n + 1))
    if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi
}
has() { grep -q -- "$2" "$1"; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/aiwb-examples.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export AIWB="$top_builddir/src/aiwb"

# tail_of FILE: the last lines of a walk-through's output, as TAP comments.
tail_of() { tail -n 25 "$1" | sed 's/^/# /'; }

WORK=$tmp/rec sh "$top_srcdir/examples/recommender.sh" > "$tmp/rec.out" 2>&1
status=$?
ok $status "examples/recommender.sh runs to its end (exit status $status)"
[ $status -eq 0 ] || tail_of "$tmp/rec.out"
has "$tmp/rec.out" '"items":\[{"item":"i'
ok $? "recommender: /predict answers a user's top items"
has "$tmp/rec.out" "feedback: 480 labels, 480 matched"
ok $? "recommender: every rating posted to /feedback matches its prediction"
has "$tmp/rec.out" "server stopped (exit status 0)" && has "$tmp/rec.out" "saved model 'rec' version 2" &&
    has "$tmp/rec.out" "retrained 'rec' on 'all': version 3"
ok $? "recommender: the log comes back; update and retrain make versions 2 and 3"
has "$tmp/rec.out" "assert: ok" && has "$tmp/rec.out" "promoted 'rec' version 3" &&
    has "$tmp/rec.out" "model rec version 3: als ranking"
ok $? "recommender: the gate passes, version 3 is promoted and exported"

WORK=$tmp/clf sh "$top_srcdir/examples/classifier.sh" > "$tmp/clf.out" 2>&1
status=$?
ok $status "examples/classifier.sh runs to its end (exit status $status)"
[ $status -eq 0 ] || tail_of "$tmp/clf.out"
has "$tmp/clf.out" 'aiwb_feature_change_alarm{feature="x2"} 1' &&
    has "$tmp/clf.out" 'aiwb_feature_change_alarm{feature="x1"} 0'
ok $? "classifier: /metrics raises the change alarm on the moved input only"
grep -q "^x2 .*DRIFT *ALARM" "$tmp/clf.out" && has "$tmp/clf.out" "the live error rose"
ok $? "classifier: monitor shows the drift and the error alarm"
has "$tmp/clf.out" "assert: failed: drift(c.train, live"
ok $? "classifier: the drift gate fails, so the script retrains"
has "$tmp/clf.out" "promoted 'clf' version 2" && has "$tmp/clf.out" "model clf version 2: logistic"
ok $? "classifier: version 2 is compared, promoted and exported"
