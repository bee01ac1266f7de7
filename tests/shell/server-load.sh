#!/bin/sh
# server-load.sh - the issue's "done means": the exported server stays clean
# (under the sanitizers when the build has them) through a wrk run of 100,000
# requests, good ones mixed with bad ones (malformed JSON, wrong types, an
# unknown path, a wrong method, a wrong token, a body over the limit), every
# bad one answered with its status; afterwards it still answers, logged every
# prediction it made, and exits 0 on SIGTERM.
# Prints TAP; `make check` runs it with top_srcdir and top_builddir exported.
#
# SPDX-License-Identifier: GPL-3.0-or-later

: "${top_srcdir:?run the tests with make check}"
: "${top_builddir:?run the tests with make check}"

if ! command -v wrk >/dev/null 2>&1; then
    echo "1..0 # SKIP wrk is not installed (apt-get install wrk)"
    exit 0
fi
echo "1..7"
n=0
ok() {
    n=$((n + 1))
    if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/aiwb-load.XXXXXX")
trap 'kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
"$top_builddir/src/aiwb" -w "$tmp/w.db" -c "load iris $top_srcdir/datasets/iris.csv;
train logistic on iris target=species with standardize as m; export m to $tmp/m" \
    > "$tmp/aiwb.out" 2>&1
ok $? "a model trains and exports"

"$tmp/m/aiwb-server" --port 0 --threads 2 --token t0k --log "$tmp/log.jsonl" \
    --max-body 4096 2> "$tmp/server.err" &
pid=$!
port=
for _ in $(seq 50); do
    port=$(sed -n 's|.*http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$tmp/server.err")
    [ -n "$port" ] && break
    sleep 0.1
done
[ -n "$port" ]
ok $? "the server starts"

cat > "$tmp/mix.lua" <<'LUA'
-- Good and bad requests in turn. The
-- requests are made in init(): wrk sets the Host header only by then.
local good = '{"sepal_length": 5.8, "sepal_width": 2.7, "petal_length": 4.1, "petal_width": 1.0}'
local auth = {["Authorization"] = "Bearer t0k", ["Content-Type"] = "application/json"}
local bad_auth = {["Authorization"] = "Bearer nope"}
local reqs
init = function(args)
  reqs = {
  wrk.format("POST", "/predict", auth, good),
  wrk.format("POST", "/predict", auth, good),
  wrk.format("POST", "/predict", auth, good),
  wrk.format("POST", "/predict", auth, '{"sepal_length": 5.8,'),
  wrk.format("POST", "/predict", auth, '{"sepal_length": "long"}'),
  wrk.format("POST", "/predict", auth, '[' .. good .. ', ' .. good .. ']'),
  wrk.format("GET", "/nowhere", auth),
  wrk.format("GET", "/predict", auth),
  wrk.format("POST", "/predict", bad_auth, good),
  wrk.format("GET", "/health"),
  wrk.format("POST", "/predict", auth, string.rep(" ", 5000) .. good),
  }
end
local i = 0
request = function()
  i = i % #reqs + 1
  return reqs[i]
end
LUA
# wrk runs until the server has answered 100,000 requests (its own count, in
# /metrics), then is interrupted (it prints its summary on SIGINT).
wrk -t1 -c16 -d300s --timeout 10s -s "$tmp/mix.lua" "http://127.0.0.1:$port" \
    > "$tmp/wrk.out" 2>&1 &
wrk_pid=$!
answered=0
for _ in $(seq 1200); do
    answered=$(curl -s -H 'Authorization: Bearer t0k' "http://127.0.0.1:$port/metrics" |
                   awk '/^aiwb_requests_total/ { n += $2 } END { print n + 0 }')
    [ "$answered" -ge 100000 ] && break
    kill -0 "$wrk_pid" 2>/dev/null || break
    sleep 0.25
done
kill -INT "$wrk_pid" 2>/dev/null
wait "$wrk_pid"
[ "$answered" -ge 100000 ]
ok $? "the server answered $answered requests (at least 100,000) from wrk"
grep -q 'Non-2xx or 3xx responses' "$tmp/wrk.out"
ok $? "the bad requests were answered with errors"

curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/health" > "$tmp/health"
curl -s -H 'Authorization: Bearer t0k' "http://127.0.0.1:$port/metrics" > "$tmp/metrics"
for code in 200 400 401 404 405 413 422; do
    grep -q "aiwb_requests_total{code=\"$code\"}" "$tmp/metrics" || echo "no $code" >> "$tmp/missing"
done
[ "$(cat "$tmp/health")" = 200 ] && [ ! -s "$tmp/missing" ]
ok $? "afterwards it still answers; /metrics counts 200, 400, 401, 404, 405, 413 and 422"

kill -TERM "$pid"
wait "$pid"
rc=$?
! grep -q 'Sanitizer\|runtime error' "$tmp/server.err" && [ "$rc" -eq 0 ]
ok $? "SIGTERM: exit 0 (status $rc), no sanitizer report"
sed -n 's/^aiwb_predictions_total \([0-9]*\)$/\1/p' "$tmp/metrics" > "$tmp/predicted"
logged=$(grep -c '"output"' "$tmp/log.jsonl")
[ "$logged" -ge "$(cat "$tmp/predicted")" ] && [ "$logged" -gt 30000 ]
ok $? "the log holds every prediction ($logged lines)"
if [ "$n" -ne 7 ]; then echo "# ran $n checks"; fi
