#!/bin/sh
# aiwb_kmeans.sh - the k-means job for the shared bench harness, beside the
# sk_kmeans_lloyd anchors: kmeans on blobs_200k.csv's 20 features (the
# `cluster` column is the target, so not a feature), k=8, from the first 8
# rows (init=first), one thread, as
#     aiwb -w SCRATCH/bench-kmeans.db -c 'load b DATA/blobs_200k.csv;
#         train kmeans on b target=cluster k=8 init=first OPTIONS as km'
#
# Usage: aiwb_kmeans.sh [LABEL [OPTION=VALUE ...]]
#        (aiwb_kmeans_100it_1t tol=0 max_iter=100: exactly 100 iterations)
# Env:   AIWB       the program (default: ../src/aiwb beside this script, then
#                   `aiwb` on PATH)
#        AIWB_DATA  the data folder (default /tmp/aiwb-bench/data)
#        SCRATCH    where the workspace goes (default /tmp/aiwb-bench)
# Prints one line as the anchors do:
#        LABEL <fit seconds> inertia=,n_iter=,s_per_iter=,prepare_s=,ari=
# The fit seconds are the run's, as `runs` records them: from the first
# iteration to the model saved in the workspace (the iterations, finish, and
# the save). prepare_s is the time before that, from the end of the load:
# checking the data, building the design matrix, and the plugin's init (its
# centred copy of the rows). ari compares the clusters with `cluster` (eval,
# after the timing).
#
# SPDX-License-Identifier: GPL-3.0-or-later
set -eu
here=$(cd "$(dirname "$0")" && pwd)
label=${1:-aiwb_kmeans_100it_1t}
[ $# -gt 0 ] && shift
[ $# -gt 0 ] || set -- tol=0 max_iter=100
data=${AIWB_DATA:-/tmp/aiwb-bench/data}
scratch=${SCRATCH:-/tmp/aiwb-bench}
file=$data/blobs_200k.csv
if [ -n "${AIWB:-}" ]; then
    aiwb=$AIWB
elif [ -x "$here/../src/aiwb" ]; then
    aiwb=$here/../src/aiwb
else
    aiwb=$(command -v aiwb) || { echo "aiwb_kmeans.sh: no aiwb: set AIWB" >&2; exit 1; }
fi
[ -r "$file" ] || { echo "aiwb_kmeans.sh: no $file: run gen_data.py first" >&2; exit 1; }
mkdir -p "$scratch"
db=$scratch/bench-kmeans.db
# One thread: OpenBLAS would take both cores for large products (kmeans's are
# small, a block of rows at a time, but say so), and scikit-learn's _1t anchor
# runs with OMP_NUM_THREADS=1.
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1

rm -f "$db" "$db-wal" "$db-shm"
"$aiwb" -w "$db" -c "load b $file; train kmeans on b target=cluster k=8 init=first $* as km" \
    >/dev/null
# runs: ...,started,seconds,iterations,loss,message (csv, exact numbers)
run=$("$aiwb" -w "$db" --format csv -c runs 2>/dev/null | sed -n 2p)
made=$("$aiwb" -w "$db" --format csv -c datasets 2>/dev/null | sed -n 2p | cut -d, -f6)
ari=$("$aiwb" -w "$db" --format csv -c 'eval km on b' 2>/dev/null | sed -n 's/^ari,//p')
rm -f "$db" "$db-wal" "$db-shm"
started=$(printf '%s\n' "$run" | cut -d, -f9)
seconds=$(printf '%s\n' "$run" | cut -d, -f10)
iters=$(printf '%s\n' "$run" | cut -d, -f11)
loss=$(printf '%s\n' "$run" | cut -d, -f12)
[ -n "$seconds" ] && [ -n "$made" ] ||
    { echo "aiwb_kmeans.sh: unexpected runs or datasets: $run / $made" >&2; exit 1; }
t_made=$(date -d "$made" +%s.%N)
t_started=$(date -d "$started" +%s.%N)
awk -v l="$label" -v s="$seconds" -v n="$iters" -v loss="$loss" -v a="$t_made" \
    -v b="$t_started" -v ari="${ari:-nan}" '
    BEGIN {
        printf "%s %.6f inertia=%.10g,n_iter=%d,s_per_iter=%.6g,prepare_s=%.4f,ari=%s\n",
            l, s, loss, n, s / n, b - a, ari
    }'
