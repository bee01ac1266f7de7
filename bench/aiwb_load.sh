#!/bin/sh
# aiwb_load.sh - the CSV ingest job for the shared bench harness: the whole
# `aiwb -w SCRATCH/bench.db -c 'load w DATA/wide_1m.csv [OPTIONS]'` process,
# start-up, plugin loading and the workspace included (conservative: the
# anchors time only their read call).
#
# Usage: aiwb_load.sh [LABEL [OPTION=VALUE ...]]   (e.g. aiwb_load_1t threads=1)
# Env:   AIWB       the program (default: ../src/aiwb beside this script, then
#                   `aiwb` on PATH)
#        AIWB_DATA  the data folder (default /tmp/aiwb-bench/data)
#        SCRATCH    where the workspace goes (default /tmp/aiwb-bench)
# Prints one line as the anchors do:
#        LABEL <seconds> rows=,cols=,threads=,mb_per_s=
#
# SPDX-License-Identifier: GPL-3.0-or-later
set -eu
here=$(cd "$(dirname "$0")" && pwd)
label=${1:-aiwb_load}
[ $# -gt 0 ] && shift
data=${AIWB_DATA:-/tmp/aiwb-bench/data}
scratch=${SCRATCH:-/tmp/aiwb-bench}
file=$data/wide_1m.csv
if [ -n "${AIWB:-}" ]; then
    aiwb=$AIWB
elif [ -x "$here/../src/aiwb" ]; then
    aiwb=$here/../src/aiwb
else
    aiwb=$(command -v aiwb) || { echo "aiwb_load.sh: no aiwb: set AIWB" >&2; exit 1; }
fi
[ -r "$file" ] || { echo "aiwb_load.sh: no $file: run gen_data.py first" >&2; exit 1; }
mkdir -p "$scratch"
db=$scratch/bench.db
# the threads the csv source takes by itself: one a core, at most 4
threads=$(nproc)
[ "$threads" -gt 4 ] && threads=4
for o in "$@"; do
    case $o in threads=*) threads=${o#threads=} ;; esac
done

cat "$file" >/dev/null # the page cache warm, as for the anchors
rm -f "$db" "$db-wal" "$db-shm"
t0=$(date +%s.%N)
out=$("$aiwb" -w "$db" -c "load w $file $*")
t1=$(date +%s.%N)
rm -f "$db" "$db-wal" "$db-shm"
# "loaded 'w': 1000000 rows × 21 columns (...)"
rows=$(printf '%s\n' "$out" | sed -n "s/^loaded 'w': \([0-9]*\) rows.*/\1/p")
cols=$(printf '%s\n' "$out" | sed -n "s/^loaded 'w': [0-9]* rows [^0-9]* \([0-9]*\) columns.*/\1/p")
[ -n "$rows" ] || { echo "aiwb_load.sh: unexpected output: $out" >&2; exit 1; }
size=$(stat -c %s "$file")
awk -v l="$label" -v a="$t0" -v b="$t1" -v r="$rows" -v c="$cols" -v t="$threads" -v s="$size" '
    BEGIN {
        d = b - a
        printf "%s %.6f rows=%d,cols=%d,threads=%s,mb_per_s=%.6g\n", l, d, r, c, t, s / 1e6 / d
    }'
