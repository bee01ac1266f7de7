#!/bin/bash
# serve.sh - the exported logistic-regression server beside nginx returning a
# constant, driven alike by wrk (../shared/bench/serve: `wrk -t1 -c32`,
# keep-alive, post.lua's 20-feature body), in one run, alternating: nginx,
# aiwb with its request log on, aiwb with the log off, RUNS times.
#
# Usage: bench/serve.sh            (from the repository's top folder)
# Env:   AIWB      the workbench (default src/aiwb beside bench/, then PATH)
#        SCRATCH   where the data, workspace and exports go (/tmp/aiwb-bench)
#        PORT      the port every server takes in turn (18080)
#        RUNS (5)  DUR (10 s)  CONNS (32)  THREADS (the server's workers: 1,
#                  as nginx's worker_processes 1; wrk takes the other core)
# Prints one line per run, as run_serve.sh does:
#   serve_<name> <duration s> req_s=,p50_ms=,p99_ms=,requests=,errors=,non2xx=
# then the medians and the ratio aiwb / nginx.
#
# SPDX-License-Identifier: GPL-3.0-or-later
set -u
here=$(cd "$(dirname "$0")" && pwd)
shared=$(cd "$here/../../shared/bench" 2>/dev/null && pwd) ||
    shared=$(cd "$here/../shared/bench" && pwd) || { echo "no ../shared/bench" >&2; exit 1; }
SCRATCH=${SCRATCH:-/tmp/aiwb-bench}
PORT=${PORT:-18080}
RUNS=${RUNS:-5}
DUR=${DUR:-10}
CONNS=${CONNS:-32}
THREADS=${THREADS:-1}
URL=http://127.0.0.1:$PORT/predict
if [ -n "${AIWB:-}" ]; then
    aiwb=$AIWB
elif [ -x "$here/../src/aiwb" ]; then
    aiwb=$here/../src/aiwb
else
    aiwb=$(command -v aiwb) || { echo "serve.sh: no aiwb: set AIWB" >&2; exit 1; }
fi
for tool in wrk nginx curl; do
    command -v $tool >/dev/null || { echo "serve.sh: $tool is missing (apt-get install $tool)" >&2; exit 1; }
done
data=$SCRATCH/data/cls_200k.csv
mkdir -p "$SCRATCH/data"
if [ ! -f "$data" ]; then
    /usr/bin/python3 "$shared/gen_data.py" "$SCRATCH/data" --only cls_200k >&2 || exit 1
fi

# The model: logistic regression on cls_200k's 20 features, as the anchor's.
export_dir=$SCRATCH/serve-logistic
rm -rf "$export_dir" "$SCRATCH/serve.db"
"$aiwb" -w "$SCRATCH/serve.db" -c "load cls $data; train logistic on cls target=y as lr;
export lr to $export_dir" >&2 || exit 1

BODY=$(sed -n "s/^wrk.body = '\(.*\)'$/\1/p" "$shared/serve/post.lua")
PID=
stop() {
    if [ -n "$PID" ]; then
        kill "$PID" 2>/dev/null
        for _ in $(seq 100); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
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
        sed "s/127\.0\.0\.1:18080/127.0.0.1:$PORT/" "$shared/serve/nginx.conf" > "$SCRATCH/nginx/nginx.conf"
        nginx -p "$SCRATCH/nginx/" -c "$SCRATCH/nginx/nginx.conf" -e "$SCRATCH/nginx/logs/error.log" &
        ;;
    aiwb_log)
        rm -f "$SCRATCH/serve-log.jsonl"
        "$export_dir/aiwb-server" --port "$PORT" --threads "$THREADS" \
            --log "$SCRATCH/serve-log.jsonl" 2>/dev/null &
        ;;
    aiwb_nolog)
        "$export_dir/aiwb-server" --port "$PORT" --threads "$THREADS" 2>/dev/null &
        ;;
    esac
    PID=$!
    for _ in $(seq 150); do
        if ans=$(curl -s --max-time 1 -H 'Content-Type: application/json' -d "$BODY" "$URL"); then
            echo "# $1 (pid $PID) answers: $ans" >&2
            return 0
        fi
        sleep 0.1
    done
    echo "$1 did not answer" >&2
    return 1
}

out=$SCRATCH/serve-$(date -u +%Y%m%dT%H%M%SZ).txt
for run in $(seq "$RUNS"); do
    for s in nginx aiwb_log aiwb_nolog; do
        start "$s" || { stop; continue; }
        line=$(timeout $((DUR + 30)) wrk -t1 -c"$CONNS" -d"${DUR}s" --timeout 2s \
                   -s "$shared/serve/post.lua" "$URL" | sed -n 's/^WRK //p')
        [ -n "$line" ] && echo "serve_$s $DUR $(echo "$line" | tr ' ' ',')" | tee -a "$out"
        stop
    done
    echo "# round $run done; load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
done
if [ -f "$SCRATCH/serve-log.jsonl" ]; then
    echo "# the last logged run wrote $(wc -l < "$SCRATCH/serve-log.jsonl") records" >&2
fi
/usr/bin/python3 - "$out" <<'PY'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    name, _, kv = line.split()
    d = dict(x.split("=") for x in kv.split(","))
    runs.setdefault(name, []).append(d)
med = {n: {k: statistics.median(float(r[k]) for r in v) for k in ("req_s", "p50_ms", "p99_ms")}
       for n, v in runs.items()}
for n, m in med.items():
    errs = sum(int(r["errors"]) + int(r["non2xx"]) for r in runs[n])
    print("%-18s median of %d: %9.0f req/s  p50 %.3f ms  p99 %.3f ms  errors+non2xx %d"
          % (n, len(runs[n]), m["req_s"], m["p50_ms"], m["p99_ms"], errs))
ng = med.get("serve_nginx", {}).get("req_s")
for n in ("serve_aiwb_log", "serve_aiwb_nolog"):
    if ng and n in med:
        print("%s / nginx: %.2f" % (n, med[n]["req_s"] / ng))
PY
echo "# raw lines: $out" >&2
