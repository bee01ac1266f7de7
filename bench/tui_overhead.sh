#!/bin/sh
# tui_overhead.sh - what drawing the live curve costs training: the same mlp
# run (10,000 epochs, about 3 s) trained by a script (`aiwb -c`, no screen) and
# as a background job in the full-screen interface under tmux, whose view
# pane redraws the growing curve ten times a second. Alternates the two
# RUNS times (default 5) and prints each run's training time, from the run's
# start and end in the workspace (millisecond timestamps), then the medians
# and their ratio. The issue's goal: the TUI's run at most 1.05 times the
# script's.
#
#   AIWB=/path/to/aiwb RUNS=5 bench/tui_overhead.sh
#
# SPDX-License-Identifier: GPL-3.0-or-later

set -eu
# one BLAS thread: the two modes then differ only by the drawing
export OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-1}"
aiwb=${AIWB:-src/aiwb}
runs=${RUNS:-5}
epochs=${EPOCHS:-10000}
command -v tmux >/dev/null || { echo "tui_overhead.sh: needs tmux" >&2; exit 1; }
scratch=$(mktemp -d)
trap 'for s in "$scratch"/sock*; do tmux -S "$s" kill-server 2>/dev/null; done; rm -rf "$scratch"' EXIT
aiwb=$(cd "$(dirname "$aiwb")" && pwd)/$(basename "$aiwb")
train="train mlp on d target=class hidden=32 max_iter=$epochs patience=1000000 validation=0.2 seed=1"

# seconds of the last run in workspace $1
last_run_seconds() {
    sqlite3 "$1" "SELECT printf('%.3f', (julianday(finished) - julianday(started)) * 86400.0)
                  FROM runs ORDER BY id DESC LIMIT 1"
}

plain() {
    ws=$scratch/plain.db
    rm -f "$ws"*
    "$aiwb" -w "$ws" -c "load d gen:classification n=2000 features=5 seed=1; $train" >/dev/null
    last_run_seconds "$ws"
}

tui() {
    ws=$scratch/tui.db
    rm -f "$ws"*
    "$aiwb" -w "$ws" -c "load d gen:classification n=2000 features=5 seed=1" >/dev/null
    # a server of its own each round ($1): a dying one refuses new sessions
    tmux="tmux -S $scratch/sock$1 -f /dev/null"
    $tmux new-session -d -x 100 -y 30 -s b \
        "env HOME='$scratch' LC_ALL=C.UTF-8 TERM=xterm-256color '$aiwb' -q -w '$ws'; sleep 60"
    sleep 0.5
    $tmux send-keys -t b -l "$train"
    $tmux send-keys -t b Enter
    tries=0
    until $tmux capture-pane -p -t b | grep -q '\[job 1\] done'; do
        sleep 0.05
        tries=$((tries + 1))
        [ $tries -lt 2400 ] || { echo "tui_overhead.sh: the job did not end" >&2; exit 1; }
    done
    $tmux send-keys -t b -l "quit"
    $tmux send-keys -t b Enter
    sleep 0.3
    $tmux kill-server 2>/dev/null || true
    last_run_seconds "$ws"
}

median() {
    sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

: >"$scratch/plain.txt"
: >"$scratch/tui.txt"
i=0
while [ $i -lt "$runs" ]; do
    p=$(plain)
    t=$(tui $i)
    echo "round $((i + 1)): script $p s, tui $t s"
    echo "$p" >>"$scratch/plain.txt"
    echo "$t" >>"$scratch/tui.txt"
    i=$((i + 1))
done
mp=$(median <"$scratch/plain.txt")
mt=$(median <"$scratch/tui.txt")
echo "median: script $mp s, tui $mt s, ratio tui/script $(echo "$mt $mp" | awk '{ printf "%.3f", $1 / $2 }')"
