#!/bin/sh
# tui.sh - the full-screen interface as a person meets it, driven through
# tmux: the panes and status line, a training job whose curve grows in the
# view pane while commands run at the prompt, `jobs`, `stop` and Ctrl-C
# cancelling a job (the run marked cancelled, the model kept), history, Tab
# completion and Ctrl-R inside the TUI, F1 and the view keys, `runs` paged
# from the workspace, a resize to 80x24 and back, NO_COLOR, --ascii and
# braille charts, the terminal restored after quit, Ctrl-D and SIGTERM, and
# `export` then `monitor` of the exported server as a job until `stop`.
# Every wait polls the screen with a timeout; nothing sleeps a fixed time.
# Prints TAP; `make check` runs it with top_srcdir and top_builddir exported.
#
# SPDX-License-Identifier: GPL-3.0-or-later

: "${top_srcdir:?run the tests with make check}"
: "${top_builddir:?run the tests with make check}"

if ! command -v tmux >/dev/null 2>&1; then
    echo "1..0 # SKIP no tmux"
    exit 0
fi

echo "1..44"

n=0
ok() {
    n=$((n + 1))
    echo "ok $n - $1"
}
not_ok() {
    n=$((n + 1))
    echo "not ok $n - $1"
}
check() {
    text=$1
    shift
    if "$@"; then ok "$text"; else not_ok "$text"; fi
}

aiwb=$top_builddir/src/aiwb
work=$top_builddir/tests/tmp/tui-sh.$$
rm -rf "$work"
mkdir -p "$work/home/state" || exit 99
tmux="tmux -S $work/tmux.sock -f /dev/null"
# shellcheck disable=SC2317 # called by the traps
cleanup() {
    $tmux kill-server 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM
cd "$work" || exit 99
HOME=$work/home
XDG_STATE_HOME=$work/home/state
export HOME XDG_STATE_HOME
unset AIWB_WORKSPACE AIWB_HISTFILE TMUX NO_COLOR

# start [ENV...] [-- AIWB-OPTIONS...]: a new 100 x 30 session running aiwb; when
# it ends, the pane says "[aiwb exited N]", then whether the terminal is back in
# its usual modes (stty), and stays.
sessions=0
session=
start() {
    envs=
    while [ $# -gt 0 ] && [ "$1" != "--" ]; do
        envs="$envs $1"
        shift
    done
    [ "$1" = "--" ] && shift
    # The new session first: killing a server's last session ends the server,
    # and a new session asked of a server that is ending fails.
    last=$session
    sessions=$((sessions + 1))
    session=aiwb$sessions
    $tmux new-session -d -x 100 -y 30 -s "$session" -c "$work" \
        "env HOME='$HOME' XDG_STATE_HOME='$XDG_STATE_HOME' LC_ALL=C.UTF-8 TERM=screen-256color \
            $envs '$aiwb' $*; echo \"[aiwb exited \$?]\"; \
            stty -a | tr ' ;' '\n\n' | grep -x -e icanon -e echo -e -icanon -e -echo | \
            tr '\n' ' '; echo '[stty]'; sleep 3600"
    [ -z "$last" ] || $tmux kill-session -t "$last"
}
keys() {
    $tmux send-keys -t "$session" "$@"
}
type_text() {
    $tmux send-keys -t "$session" -l "$1"
}
screen() {
    $tmux capture-pane -p -t "$session"
}
screen_escapes() {
    $tmux capture-pane -p -e -t "$session"
}
show_screen() {
    echo "# the screen:"
    screen | sed 's/^/# /'
}
# wait_for TEXT [SECONDS]: poll until the screen holds the fixed string TEXT.
wait_for() {
    tries=0
    limit=$((${2:-10} * 10))
    while [ $tries -lt $limit ]; do
        screen | grep -qF -e "$1" && return 0
        sleep 0.1
        tries=$((tries + 1))
    done
    echo "# '$1' did not appear within ${2:-10} s"
    show_screen
    return 1
}
wait_gone() {
    tries=0
    while [ $tries -lt 100 ]; do
        screen | grep -qF -e "$1" || return 0
        sleep 0.1
        tries=$((tries + 1))
    done
    echo "# '$1' is still on the screen after 10 s"
    show_screen
    return 1
}
# the last line and the status line (the one above it)
last_line() {
    screen | tail -n 1
}
status_line() {
    screen | tail -n 2 | head -n 1
}
wait_prompt() {
    tries=0
    while [ $tries -lt 100 ]; do
        last_line | grep -q '^aiwb> *$' && return 0
        sleep 0.1
        tries=$((tries + 1))
    done
    echo "# the last line is '$(last_line)', not an empty prompt"
    show_screen
    return 1
}
# iterations: the iterations the status line reports for the running job
iterations() {
    status_line | sed -n 's/.*| \([0-9][0-9]*\) it[,| ].*/\1/p'
}

# 1-4. The screen: output pane with the banner, status line, prompt last.
start -- --ascii
check "starts full screen with the banner in the output pane" \
    wait_for "A new workspace: loading the bundled datasets."
check "the prompt is the last line" wait_prompt
status_has_workspace() {
    status_line | grep -q "aiwb.db .*F1 keys"
}
check "the status line names the workspace and F1" status_has_workspace
check "the terminal switched to the alternate screen" \
    test "$($tmux display -p -t "$session" '#{alternate_on}')" = 1

# 5-6. A command's output, and an error that keeps the TUI running.
type_text "datasets"
keys Enter
check "a command's output appears in the output pane" wait_for "airquality"
type_text "describe nosuch"
keys Enter
check "an error is shown and the prompt comes back" wait_for "error: no dataset 'nosuch'"

# 7-13. A long training runs as a job; the curve grows while the prompt works.
type_text "load d gen:classification n=2000 features=5 seed=1"
keys Enter
wait_for "'d': 2000 rows" >/dev/null
type_text "train mlp on d target=class hidden=32 max_iter=100000 patience=100000 validation=0.2 with standardize as slow"
keys Enter
check "train starts as background job 1" wait_for "[job 1] started: train mlp"
check "the view pane shows the job's curve with its series" wait_for "val_loss"
first=$(iterations)
view1=$(screen | head -n 12)
type_text "counts iris species"
keys Enter
check "a command runs at the prompt while the job trains" wait_for "virginica"
sleep 1
second=$(iterations)
grows() {
    [ -n "$first" ] && [ -n "$second" ] && [ "$second" -gt "$first" ] || {
        echo "# iterations in the status line: '$first' then '$second'"
        show_screen
        return 1
    }
}
check "the status line's iterations grow" grows
curve_redrawn() {
    [ "$(screen | head -n 12)" != "$view1" ] && screen | head -n 14 | grep -q '[*+]'
}
check "the curve is redrawn as it grows (marks in the view pane)" curve_redrawn
# typing while the curve redraws: the half-typed line stays as it is
type_text "describe ir"
third=$(iterations)
sleep 0.5
typing_kept() {
    [ "$(iterations)" -gt "$third" ] && last_line | grep -q '^aiwb> describe ir *$' || {
        show_screen
        return 1
    }
}
check "a half-typed line stays put while the curve grows" typing_kept
keys C-u
type_text "jobs"
keys Enter
check "jobs lists the running job" wait_for "running"

# 14-16. stop cancels it; the run is marked cancelled; the model is kept
# (mlp keeps its best epoch's weights). Its report pushes the answer to
# `stop` up: PgUp shows it again.
type_text "stop"
keys Enter
check "the job ends and its model is saved" wait_for "saved model 'slow' version 1"
keys PPage
scrolled_back() {
    screen | grep -q '^aiwb> stop .* lines below (PgDn)' || {
        show_screen
        return 1
    }
}
tries=0
until scrolled_back >/dev/null || [ $tries -ge 30 ]; do sleep 0.1; tries=$((tries + 1)); done
check "PgUp scrolls the output pane back (to the stop typed)" scrolled_back
keys NPage
type_text "runs"
keys Enter
check "runs shows the run cancelled" wait_for "cancelled"

# 17. Ctrl-C at an empty prompt stops the newest job.
type_text "train mlp on d target=class hidden=32 max_iter=100000 patience=100000 as slow2"
keys Enter
wait_for "[job 2] started" >/dev/null
wait_for "loss" >/dev/null
keys C-c
check "Ctrl-C at an empty prompt stops the newest job" wait_for "[job 2] stopped"

# 18. Ctrl-C on a half-typed line drops the line. The keys are queued while
# aiwb is stopped, so it reads them all at once: Ctrl-C must be taken in its
# place among them (as a signal it would overtake them, and the terminal
# would throw away output the screen had not shown yet).
pid=$($tmux display -p -t "$session" '#{pane_pid}')
aiwb_pid=$(pgrep -P "$pid" -f "$aiwb" | head -n 1)
kill -STOP "$aiwb_pid"
type_text "describe ir"
keys C-c
type_text "hel"
kill -CONT "$aiwb_pid"
typed_after_ctrl_c() {
    last_line | grep -q '^aiwb> hel *$' && ! screen | grep -q 'nothing to stop' || {
        show_screen
        return 1
    }
}
tries=0
until typed_after_ctrl_c >/dev/null || [ $tries -ge 50 ]; do sleep 0.1; tries=$((tries + 1)); done
check "Ctrl-C drops a half-typed line, and keeps what is typed after it" typed_after_ctrl_c

# 19-21. Readline inside the TUI: Tab, history, Ctrl-R.
keys Tab
check "Tab completes a command" wait_for "aiwb> help"
keys C-u
keys Up
check "Up recalls the previous command" wait_for "aiwb> train mlp on d target=class hidden=32 max_iter=100000 patience=100000 as slow2"
keys C-u
keys C-r
type_text "datas"
check "Ctrl-R searches the history" wait_for "(reverse-i-search)"
keys C-g
keys C-u

# 22-24. F1 shows the keys; q closes the view.
keys F1
check "F1 shows the keys in the view pane" wait_for "switch focus between the prompt and the view pane"
keys q
check "q closes the view" wait_gone "switch focus between the prompt and the view pane"
type_text "help keys"
keys Enter
check "help keys lists them too" wait_for "PgUp, PgDn"

# 25-27. Resize to 80x24: prompt, status and output still there; and back.
type_text "train mlp on d target=class hidden=32 max_iter=100000 patience=100000 as slow3"
keys Enter
wait_for "[job 3] started" >/dev/null
$tmux resize-window -t "$session" -x 80 -y 24
small_ok() {
    [ "$(screen | wc -l)" -eq 24 ] && last_line | grep -q '^aiwb>' &&
        status_line | grep -q 'job 3' && screen | head -n 1 | grep -q 'job 3' || {
        show_screen
        return 1
    }
}
tries=0
until small_ok >/dev/null || [ $tries -ge 50 ]; do sleep 0.1; tries=$((tries + 1)); done
check "at 80x24: the view, the status line and the prompt are redrawn" small_ok
$tmux resize-window -t "$session" -x 100 -y 30
big_ok() {
    [ "$(screen | wc -l)" -eq 30 ] && last_line | grep -q '^aiwb>' &&
        status_line | grep -q 'F1 keys'
}
tries=0
until big_ok || [ $tries -ge 50 ]; do sleep 0.1; tries=$((tries + 1)); done
check "back to 100x30" big_ok
keys C-c
check "the third job stops" wait_for "[job 3] stopped"

# 28-29. quit leaves to a clean terminal.
type_text "quit"
keys Enter
check "quit ends aiwb with status 0" wait_for "[aiwb exited 0]"
restored() {
    wait_for "[stty]" >/dev/null
    screen | grep -q '^icanon echo \[stty\]' &&
        [ "$($tmux display -p -t "$session" '#{alternate_on}')" = 0 ] || {
        show_screen
        return 1
    }
}
check "the terminal is back: main screen, icanon and echo on" restored

# 30-33. runs with 300 runs: a view that reads one page at a time.
{
    echo "load diabetes"
    i=0
    while [ $i -lt 300 ]; do echo "train ols on diabetes target=y as m"; i=$((i + 1)); done
} >many.aiwb
"$aiwb" -w many.db -f many.aiwb >/dev/null 2>&1
start -- -w many.db --ascii
wait_prompt >/dev/null
type_text "runs"
keys Enter
check "runs opens a paged view of the 300 runs" wait_for "rows 1-"
first_page() {
    screen | grep -q "^ *1  finished  ols" && ! screen | grep -q "^ *300  finished"
}
check "... showing the first page only" first_page
keys F6
keys End
check "End goes to the last page" wait_for "of 300"
last_page() {
    screen | grep -q "^300  finished  ols" && screen | head -n 1 | grep -q "rows [0-9]*-300 of 300"
}
tries=0
until last_page || [ $tries -ge 30 ]; do sleep 0.1; tries=$((tries + 1)); done
check "... whose rows are the last runs" last_page
keys q
keys C-d
wait_for "[aiwb exited 0]" >/dev/null

# 34-35. Braille charts and colours by default; none with NO_COLOR and --ascii.
start
wait_prompt >/dev/null
type_text "train mlp on d target=class hidden=16 max_iter=100000 patience=100000 as b"
keys Enter
braille() {
    screen | head -n 14 | grep -q "$(printf '\342\240\|\342\241\|\342\242\|\342\243')" && screen_escapes | grep -q '\[3[1-6]m\|38;5;' || {
        show_screen
        return 1
    }
}
wait_for "[job 1] started" >/dev/null
tries=0
until braille >/dev/null || [ $tries -ge 50 ]; do sleep 0.1; tries=$((tries + 1)); done
check "by default the curve is braille, in colour" braille
keys C-c
wait_for "[job 1] stopped" >/dev/null
keys C-d
wait_for "[aiwb exited 0]" >/dev/null

start NO_COLOR=1
wait_prompt >/dev/null
no_colour() {
    ! screen_escapes | grep -q '\[3[0-7]m\|\[4[0-7]m\|38;5;\|48;5;'
}
check "NO_COLOR: no colour in the screen" no_colour

# 36-37. SIGTERM while a job runs: the terminal is restored all the same.
type_text "train mlp on d target=class hidden=16 max_iter=100000 patience=100000 as t"
keys Enter
wait_for "[job 1] started" >/dev/null
pid=$($tmux display -p -t "$session" '#{pane_pid}')
aiwb_pid=$(pgrep -P "$pid" -f "$aiwb" | head -n 1)
[ -n "$aiwb_pid" ] && kill -TERM "$aiwb_pid"
check "SIGTERM ends aiwb" wait_for "[aiwb exited 143]"
check "... and the terminal is restored" restored

# 38-43. Export a model, serve it, and watch it with `monitor` as a job.
start -- --ascii
wait_prompt >/dev/null
type_text "load iris $top_srcdir/datasets/iris.csv; train logistic on iris target=species as srvm"
keys Enter
wait_for "saved model 'srvm' version 1" 30 >/dev/null
type_text "export srvm to $work/srvdir"
keys Enter
check "export writes the server from the TUI" wait_for "exported srvm:1 to" 30
: > "$work/srv.err" # there before the server writes it, for the sed below
"$work/srvdir/aiwb-server" --port 0 --threads 1 2> "$work/srv.err" &
srv_pid=$!
port=
tries=0
until [ -n "$port" ] || [ $tries -ge 100 ]; do
    port=$(sed -n 's|.*http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$work/srv.err")
    sleep 0.1
    tries=$((tries + 1))
done
curl -s -d '{"sepal_length": 5.1, "sepal_width": 3.5, "petal_length": 1.4, "petal_width": 0.2}' \
    "http://127.0.0.1:$port/predict" > /dev/null
type_text "monitor http://127.0.0.1:$port every=1"
keys Enter
check "monitor runs as a background job (the status line names it)" \
    wait_for ": monitor http://127.0.0.1:$port every=1 |" 10
check "... and shows the server's inputs drifting (one row of traffic)" wait_for "petal_length" 10
# The job's curve (the view pane, above the output) counts snapshots, not
# iterations.
curve_axis() {
    screen | head -n 16 | grep -q 'snapshot' && ! screen | head -n 16 | grep -q 'iteration' || {
        show_screen
        return 1
    }
}
tries=0
until curve_axis >/dev/null || [ $tries -ge 100 ]; do sleep 0.1; tries=$((tries + 1)); done
check "... its curve's axis counts snapshots" curve_axis
type_text "jobs"
keys Enter
check "jobs lists it running" wait_for "running"
type_text "stop"
keys Enter
check "stop ends it" wait_for "stopped" 10
kill -TERM "$srv_pid"
wait "$srv_pid"
check "the exported server exits 0 on SIGTERM" [ $? -eq 0 ]
keys C-d
wait_for "[aiwb exited 0]" >/dev/null
