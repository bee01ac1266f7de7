#!/bin/sh
# run.sh - cross-validated accuracy of aiwb against Weka 3.6 and scikit-learn on
# Weka's example datasets: the same algorithms, the same 10-fold stratified CV.
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: bench/cv-agreement/run.sh    (from anywhere; 4.5 minutes on 2 busy cores)
# Environment: AIWB (default src/aiwb of an in-tree build, else aiwb on PATH),
# SEEDS (the CV seeds, default "1 2 3 4 5"), DATA (the ARFF folder, default
# Debian weka's examples), WEKA_JAR (default /usr/share/java/weka.jar), OUT
# (default results/ here). Writes OUT/folds.csv (every fold's accuracy by
# every tool), OUT/table.md (the comparison, pasted into README.md) and
# OUT/warnings.txt (the tools' convergence warnings).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
AIWB=${AIWB:-$here/../../src/aiwb}
[ -x "$AIWB" ] || AIWB=$(command -v aiwb) || { echo "run.sh: no aiwb: set AIWB" >&2; exit 1; }
SEEDS=${SEEDS:-1 2 3 4 5}
DATA=${DATA:-/usr/share/doc/weka/examples}
WEKA_JAR=${WEKA_JAR:-/usr/share/java/weka.jar}
OUT=${OUT:-$here/results}
PY=/usr/bin/python3
jobs=$here/jobs.txt

mkdir -p "$OUT"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

javac -nowarn -cp "$WEKA_JAR" -d "$tmp" "$here/WekaCV.java"

# WekaCV reproduces `-x 10 -s SEED` fold by fold: check that its pooled
# accuracy is what Weka's own command line prints, on two jobs.
check() { # ARFF SEED CLASS OPTIONS...
    arff=$1 seed=$2 cls=$3
    shift 3
    cli=$(java -cp "$WEKA_JAR" "weka.classifiers.$cls" "$@" -t "$DATA/$arff" -x 10 -s "$seed" |
          sed -n '/Stratified cross-validation/,$p' | awk '/^Correctly Classified/ { print $4 }')
    printf 'x\tx\t%s\t%s\tweka.classifiers.%s\t%s\n' "$DATA/$arff" "$seed" "$cls" "$*" \
        > "$tmp/check.tsv"
    ours=$(java -cp "$WEKA_JAR:$tmp" WekaCV "$tmp/check.tsv" |
           awk -F, '{ c += $7 } END { print c }')
    if [ "$cli" != "$ours" ]; then
        echo "run.sh: WekaCV gives $ours correct, Weka's command line $cli: $cls on $arff" >&2
        exit 1
    fi
    echo "WekaCV matches Weka's command line: $cls $* on $arff, seed $seed: $cli correct"
}
check diabetes.arff 1 functions.Logistic -R 0.5
check glass.arff 3 trees.RandomForest -I 100 -K 3

start=$(date +%s)
"$PY" "$here/agree.py" weka-jobs "$jobs" "$DATA" "$SEEDS" > "$tmp/weka.tsv"
# The three side by side: Weka (one JVM), aiwb (one process per cv, forests on
# 2 threads) and scikit-learn (one process, one thread).
( java -cp "$WEKA_JAR:$tmp" WekaCV "$tmp/weka.tsv" 2> "$tmp/weka.err" |
      awk -F, -v OFS=, '{ print $1, $2, $3, $4, $5, $7 / $6, $6 }' > "$tmp/weka.csv"
  echo "Weka done after $(( $(date +%s) - start )) s" ) &
weka=$!
( "$PY" "$here/agree.py" sklearn "$jobs" "$DATA" "$SEEDS" > "$tmp/sklearn.csv" 2> "$tmp/sklearn.err"
  echo "scikit-learn done after $(( $(date +%s) - start )) s" ) &
sklearn=$!
if ! "$PY" "$here/agree.py" aiwb "$jobs" "$DATA" "$SEEDS" "$AIWB" "$tmp" \
        > "$tmp/aiwb.csv" 2> "$tmp/aiwb.err"; then
    cat "$tmp/aiwb.err" >&2
    wait "$weka" "$sklearn" || true
    exit 1
fi
echo "aiwb done after $(( $(date +%s) - start )) s"
wait "$weka" "$sklearn"
for f in weka aiwb sklearn; do
    if [ ! -s "$tmp/$f.csv" ]; then
        echo "run.sh: no results from $f" >&2
        cat "$tmp/$f.err" >&2
        exit 1
    fi
done

cat "$tmp/aiwb.csv" "$tmp/weka.csv" "$tmp/sklearn.csv" > "$OUT/folds.csv"
cat "$tmp/aiwb.err" "$tmp/sklearn.err" > "$OUT/warnings.txt"
"$PY" "$here/agree.py" table "$jobs" "$SEEDS" "$OUT/folds.csv" > "$OUT/table.md"
cat "$OUT/table.md"
echo "(load average: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores)"
