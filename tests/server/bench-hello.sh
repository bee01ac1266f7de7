#!/bin/bash
# bench-hello.sh - the server core (tests/server/hello-server: a constant
# JSON for POST /predict) beside nginx returning the same constant, driven by
# the bench's wrk set-up (wrk -t1 -c32, keep-alive, the 20-feature POST body
# of ../shared/bench/serve/post.lua). Rounds alternate between the servers so
# that load from elsewhere on the machine falls on all of them alike.
#
#   tests/server/bench-hello.sh BUILDDIR
#   env: ROUNDS (3) DUR (5 s) CONNS (32) THREADS ("1 2": hello-server worker
#        counts to try) PORT (18090) SHARED (the bench folder, default
#        $top_srcdir/../shared/bench) SCRATCH (/tmp/aiwb-bench-hello)
#
# Prints one line per run, "name round req_s=... p50_ms=... p99_ms=...", then
# the median of each. Traffic stays on 127.0.0.1; each server is stopped by
# its PID.
#
# Copyright (C) 2026 the aiwb developers
# SPDX-License-Identifier: MIT
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=${1:?usage: bench-hello.sh BUILDDIR}
SHARED=${SHARED:-$HERE/../../../shared/bench}
ROUNDS=${ROUNDS:-3}
DUR=${DUR:-5}
CONNS=${CONNS:-32}
THREADS=${THREADS:-1 2}
PORT=${PORT:-18090}
SCRATCH=${SCRATCH:-/tmp/aiwb-bench-hello}
LUA=$SHARED/serve/post.lua
URL=http://127.0.0.1:$PORT/predict
HELLO=$BUILD/tests/server/hello-server
BODY=$(sed -n "s/^wrk.body = '\(.*\)'$/\1/p" "$LUA")

for f in "$LUA" "$SHARED/serve/nginx.conf" "$HELLO"; do
    [ -e "$f" ] || { echo "bench-hello.sh: '$f' not found" >&2; exit 1; }
done
command -v wrk >/dev/null || { echo "bench-hello.sh: wrk not found (apt-get install wrk)" >&2; exit 1; }
command -v nginx >/dev/null || { echo "bench-hello.sh: nginx not found (apt-get install nginx-light)" >&2; exit 1; }

PID=
stop() {
    if [ -n "$PID" ]; then
        kill "$PID" 2>/dev/null
        for _ in $(seq 50); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$PID" 2>/dev/null
        wait "$PID" 2>/dev/null
        PID=
    fi
}
trap stop EXIT
trap 'stop; exit 130' INT TERM

start() {
    case $1 in
    nginx)
        mkdir -p "$SCRATCH/nginx/logs" "$SCRATCH/nginx/tmp"
        sed "s/127\.0\.0\.1:18080/127.0.0.1:$PORT/" "$SHARED/serve/nginx.conf" >"$SCRATCH/nginx/nginx.conf"
        nginx -p "$SCRATCH/nginx/" -c "$SCRATCH/nginx/nginx.conf" -e "$SCRATCH/nginx/logs/error.log" &
        ;;
    hello-t*)
        "$HELLO" --port "$PORT" --threads "${1#hello-t}" 2>/dev/null &
        ;;
    esac
    PID=$!
    for _ in $(seq 100); do
        curl -s -o /dev/null --max-time 1 -H 'Content-Type: application/json' -d "$BODY" "$URL" &&
            return 0
        sleep 0.1
    done
    echo "bench-hello.sh: $1 did not answer" >&2
    return 1
}

SERVERS="nginx"
for t in $THREADS; do SERVERS="$SERVERS hello-t$t"; done
OUT=$(mktemp)
for round in $(seq "$ROUNDS"); do
    for s in $SERVERS; do
        start "$s" || { stop; continue; }
        line=$(timeout $((DUR + 30)) wrk -t1 -c"$CONNS" -d"${DUR}s" --timeout 2s -s "$LUA" "$URL" |
               sed -n 's/^WRK //p')
        stop
        [ -n "$line" ] || { echo "bench-hello.sh: wrk failed on $s" >&2; continue; }
        echo "$s $round $line" | tee -a "$OUT"
    done
done
# The median of metric $2 over the runs of server $1.
median() {
    awk -v s="$1" -v k="$2" '$1 == s { for (i = 3; i <= NF; i++) if (index($i, k "=") == 1)
        print substr($i, length(k) + 2) }' "$OUT" | sort -g |
        awk '{ v[NR] = $1 } END { if (NR) print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
echo "# medians over $ROUNDS rounds of ${DUR}s (wrk -t1 -c$CONNS):"
for s in $SERVERS; do
    printf '%-10s req_s=%s p50_ms=%s p99_ms=%s errors=%s non2xx=%s\n' "$s" "$(median "$s" req_s)" \
        "$(median "$s" p50_ms)" "$(median "$s" p99_ms)" "$(median "$s" errors)" "$(median "$s" non2xx)"
done
rm -f "$OUT"
