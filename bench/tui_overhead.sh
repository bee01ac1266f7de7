#!/bin/sh
# tui_overhead.sh - what drawing the live curve costs training: the same mlp
# run (10,000 epochs, about 3 s) trained by a script (`aiwb -c`, no screen) and
# as a background job in the full-screen interface under tmux, whose view
# pane redraws the growing curve ten times a second. Alternates the two
# RUNS times (default 5) and prints each run's training time, from the run's
# start and end in the workspace (millisecond timestamps) and the whole
# process's CPU seconds (/usr/bin/time: the TUI's drawing and reader
# threads included), then the median training times and the median of each
# round's ratios (the two runs of a round are neighbours in time, so drift in
# the machine's speed cancels). The issue's goal: the TUI's training at most
# 1.05 times the script's.
#
#   AIWB=/path/to/aiwb RUNS=5 bench/tui_overhead.sh
#   STATIC=1 ...: the control, with a static view in the pane instead of the curve
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

# user + system CPU seconds that /usr/bin/time wrote to $1
cpu_seconds() {
    awk '{ printf "%.3f", $1 + $2 }' "$1"
}

plain() {
    ws=$scratch/plain.db
    rm -f "$ws"*
    /usr/bin/time -f '%U %S' -o "$scratch/plain.time" \
        "$aiwb" -w "$ws" -c "load d gen:classification n=2000 features=5 seed=1; $train" >/dev/null
    echo "$(last_run_seconds "$ws") $(cpu_seconds "$scratch/plain.time")"
}

tui() {
    ws=$scratch/tui.db
    rm -f "$ws"* "$scratch/tui.time" # time(1) makes it empty at start, fills it at the end
    "$aiwb" -w "$ws" -c "load d gen:classification n=2000 features=5 seed=1" >/dev/null
    # a server of its own each round ($1): a dying one refuses new sessions
    tmux="tmux -S $scratch/sock$1 -f /dev/null"
    $tmux new-session -d -x 100 -y 30 -s b \
        "env HOME='$scratch' LC_ALL=C.UTF-8 TERM=screen-256color /usr/bin/time -f '%U %S' \
            -o '$scratch/tui.time' '$aiwb' -q -w '$ws'; sleep 60"
    sleep 0.5
    # the control: a static view (the keys) in the pane, so no curve is drawn
    [ "${STATIC:-0}" = 0 ] || $tmux send-keys -t b F1
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
    tries=0
    until [ -s "$scratch/tui.time" ] || [ $tries -ge 100 ]; do sleep 0.05; tries=$((tries + 1)); done
    $tmux kill-server 2>/dev/null || true
    echo "$(last_run_seconds "$ws") $(cpu_seconds "$scratch/tui.time")"
}

median() {
    sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

: >"$scratch/wall.txt"
: >"$scratch/cpu.txt"
: >"$scratch/ui.txt"
: >"$scratch/plain.txt"
: >"$scratch/tui.txt"
i=0
while [ $i -lt "$runs" ]; do
    # alternate which goes first, so a trend in the machine's speed cancels
    if [ $((i % 2)) -eq 0 ]; then
        p=$(plain)
        t=$(tui $i)
    else
        t=$(tui $i)
        p=$(plain)
    fi
    set -- $p $t
    echo "round $((i + 1)): script $1 s (cpu $2 s), tui $3 s (cpu $4 s)"
    echo "$1" >>"$scratch/plain.txt"
    echo "$3" >>"$scratch/tui.txt"
    echo "$3 $1" | awk '{ print $1 / $2 }' >>"$scratch/wall.txt"
    echo "$4 $2" | awk '{ print $1 / $2 }' >>"$scratch/cpu.txt"
    # the CPU the TUI spends beside training (drawing, reading output), over its training time
    echo "$1 $2 $3 $4" | awk '{ print (($4 - $3) - ($2 - $1)) / $3 }' >>"$scratch/ui.txt"
    i=$((i + 1))
done
echo "median training time: script $(median <"$scratch/plain.txt") s, tui $(median <"$scratch/tui.txt") s"
# the machine's speed drifts between rounds; the two runs of a round are neighbours
echo "median of the rounds' ratios tui/script: training time $(median <"$scratch/wall.txt" |
    awk '{ printf "%.3f", $1 }'), process cpu time $(median <"$scratch/cpu.txt" | awk '{ printf "%.3f", $1 }')"
echo "median cpu of the TUI's other threads (drawing) over its training time: $(median <"$scratch/ui.txt" |
    awk '{ printf "%.1f%%", 100 * $1 }')"
