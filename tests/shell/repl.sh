#!/bin/sh
# repl.sh - the interactive REPL as a person meets it, driven through tmux:
# the banner and the prompt, Tab completion of commands, datasets,
# algorithms, columns and transforms, help, an error that keeps the REPL
# running, Ctrl-C on a half-typed line and during training, quit and Ctrl-D,
# and the history file, private and read back by the next session (Up).
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

echo "1..31"

n=0
ok() {
    n=$((n + 1))
    echo "ok $n - $1"
}
not_ok() {
    n=$((n + 1))
    echo "not ok $n - $1"
}
# check TEXT COMMAND...: one test, passing when COMMAND succeeds.
check() {
    text=$1
    shift
    if "$@"; then ok "$text"; else not_ok "$text"; fi
}

aiwb=$top_builddir/src/aiwb
work=$top_builddir/tests/tmp/repl-sh.$$
rm -rf "$work"
mkdir -p "$work/home/state" || exit 99
# A server of our own, without the user's configuration.
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
unset AIWB_WORKSPACE AIWB_HISTFILE TMUX
history=$XDG_STATE_HOME/aiwb/history

# start: a new session (aiwb1, aiwb2, ...) running aiwb in $work, 120 x 40,
# in place of the last one; when aiwb ends, the pane says "[aiwb exited N]"
# and stays.
sessions=0
session=
start() {
    # The new session first: killing a server's last session ends the server,
    # and a new session asked of a server that is ending fails.
    last=$session
    sessions=$((sessions + 1))
    session=aiwb$sessions
    $tmux new-session -d -x 120 -y 40 -s "$session" -c "$work" \
        "env HOME='$HOME' XDG_STATE_HOME='$XDG_STATE_HOME' LC_ALL=C.UTF-8 TERM=xterm \
            '$aiwb' --plain; echo \"[aiwb exited \$?]\"; sleep 3600"
    [ -z "$last" ] || $tmux kill-session -t "$last"
}

# keys KEY...: send keys as tmux names them (Tab, Enter, C-c, Up, or text).
keys() {
    $tmux send-keys -t "$session" "$@"
}
# type TEXT: send TEXT literally.
type_text() {
    $tmux send-keys -t "$session" -l "$1"
}

# screen: the pane, with 500 lines of history, wrapped lines joined.
screen() {
    $tmux capture-pane -p -J -S -500 -t "$session"
}
# last_line: the last line of the pane that holds something, trailing
# blanks kept.
last_line() {
    $tmux capture-pane -p -N -J -t "$session" | awk 'NF { line = $0 } END { print line }'
}
# Show the end of the pane in the log, as TAP comments.
show_screen() {
    echo "# the end of the screen:"
    screen | awk 'NF { last = NR } { line[NR] = $0 }
        END { for (i = last > 30 ? last - 29 : 1; i <= last; i++) print "# " line[i] }'
}
# resync: an empty command line and a fresh prompt, whatever a failed test left.
resync() {
    keys C-u Enter
    wait_prompt >/dev/null
}

# wait_for TEXT: poll until the pane holds the fixed string TEXT (10 s).
wait_for() {
    tries=0
    while [ $tries -lt 100 ]; do
        screen | grep -qF -e "$1" && return 0
        sleep 0.1
        tries=$((tries + 1))
    done
    echo "# '$1' did not appear within 10 s"
    show_screen
    return 1
}
# wait_line LINE: poll until the last line is LINE (trailing blanks count).
wait_line() {
    tries=0
    while [ $tries -lt 100 ]; do
        [ "$(last_line)" = "$1" ] && return 0
        sleep 0.1
        tries=$((tries + 1))
    done
    echo "# the last line is '$(last_line)', not '$1'"
    show_screen
    return 1
}
# wait_prompt: poll until the last line is an empty prompt.
wait_prompt() {
    tries=0
    while [ $tries -lt 100 ]; do
        last_line | grep -q '^aiwb> *$' && return 0
        sleep 0.1
        tries=$((tries + 1))
    done
    echo "# the last line is '$(last_line)', not an empty prompt 'aiwb> '"
    show_screen
    return 1
}
# count TEXT: how many lines of the pane hold TEXT.
count() {
    screen | grep -cF -e "$1"
}
# after_count TEXT COUNT: poll until COUNT lines hold TEXT.
wait_count() {
    tries=0
    while [ $tries -lt 100 ]; do
        [ "$(count "$1")" -ge "$2" ] && return 0
        sleep 0.1
        tries=$((tries + 1))
    done
    echo "# fewer than $2 lines hold '$1'"
    show_screen
    return 1
}

# 1-2. The banner and the prompt.
start
check "the banner names aiwb and the workspace" wait_for "workspace aiwb.db"
check "the prompt 'aiwb> ' waits for a command" wait_prompt

# 3-5. Tab completes a command, then a dataset name.
complete_load() {
    type_text "lo"
    keys Tab
    wait_line "aiwb> load "
}
check "lo<Tab> completes to 'load '" complete_load
load_iris() {
    type_text "iris"
    keys Enter
    wait_for "loaded 'iris': 150 rows" && wait_prompt
}
check "load iris loads it and prompts again" load_iris
complete_dataset() {
    type_text "describe ir"
    keys Tab
    wait_line "aiwb> describe iris " || return 1
    keys Enter
    wait_for "150 rows; sd with n-1" && wait_prompt
}
check "describe ir<Tab> completes the dataset 'iris'" complete_dataset

# 6-10. The train command: algorithm, column, transform.
complete_algorithm() {
    type_text "train lo"
    keys Tab
    wait_line "aiwb> train logistic "
}
check "train lo<Tab> completes 'logistic'" complete_algorithm
complete_dataset_in_train() {
    type_text "on ir"
    keys Tab
    wait_line "aiwb> train logistic on iris "
}
check "train logistic on ir<Tab> completes the dataset" complete_dataset_in_train
complete_column() {
    type_text "target=sp"
    keys Tab
    wait_line "aiwb> train logistic on iris target=species "
}
check "... target=sp<Tab> completes the column 'species'" complete_column
complete_transform() {
    type_text "with imp"
    keys Tab
    last=$(last_line)
    case $last in
    "aiwb> train logistic on iris target=species with impute"*) return 0 ;;
    esac
    wait_line "aiwb> train logistic on iris target=species with impute"
}
check "... with imp<Tab> completes the transform 'impute'" complete_transform
train_it() {
    type_text " as m"
    keys Enter
    wait_for "saved model 'm' version 1" && wait_prompt
}
check "the completed command trains and saves the model" train_it

# 11. help.
help_shows() {
    type_text "help"
    keys Enter
    wait_for "what it does" && wait_for "logistic, mlp, nbayes, ols" && wait_prompt
}
check "help lists the commands and the plugins" help_shows

# 12-13. An error is reported and the REPL goes on.
error_goes_on() {
    type_text "frobnicate"
    keys Enter
    wait_for "unknown command 'frobnicate'" && wait_prompt
}
check "an unknown command is reported and the prompt comes back" error_goes_on
after_error() {
    type_text "head iris 1"
    keys Enter
    wait_for "(1 of 150 rows)" && wait_prompt
}
check "... and the next command runs" after_error

# 14-17. Ctrl-C on a half-typed line drops it and prompts again at once.
prompts=$(count "aiwb>")
errors=$(count "error:")
ctrl_c_line() {
    type_text "load half typed"
    wait_line "aiwb> load half typed" || return 1
    keys C-c
    wait_count "aiwb>" $((prompts + 1)) && wait_prompt
}
check "Ctrl-C on a half-typed line shows a new prompt at once" ctrl_c_line
resync
ctrl_c_next() {
    type_text "head iris 2"
    keys Enter
    wait_for "(2 of 150 rows)" && wait_prompt
}
check "... and the next line typed runs whole" ctrl_c_next
ctrl_c_dropped() {
    if [ "$(count "error:")" -ne "$errors" ]; then
        echo "# an error after Ctrl-C (the dropped line, or a piece of the next, ran):"
        show_screen
        return 1
    fi
}
check "... and neither the dropped line nor a piece of the next one ran" ctrl_c_dropped
resync
ctrl_c_empty() {
    prompts=$(count "aiwb>")
    keys C-c
    wait_count "aiwb>" $((prompts + 1)) && wait_prompt
}
check "Ctrl-C on an empty line shows a new prompt" ctrl_c_empty
resync

# 18-19. Ctrl-C during training stops it, keeps the model, and the REPL goes on.
awk -v n=100000 'BEGIN {
    s = 12345
    printf "y"
    for (j = 1; j <= 20; j++)
        printf ",x%d", j
    printf "\n"
    for (i = 0; i < n; i++) {
        z = 0
        line = ""
        for (j = 1; j <= 20; j++) {
            s = (s * 16807) % 2147483647
            v = s / 2147483647 * 2 - 1
            z += v * (j % 5 - 2)
            line = line "," sprintf("%.4f", v)
        }
        k = int(z + 5)
        if (k < 0) k = 0
        if (k > 9) k = 9
        print "c" k line
    }
}' >slow.csv
ctrl_c_training() {
    keys C-u
    type_text "load slow slow.csv"
    keys Enter
    wait_for "loaded 'slow': 100000 rows" && wait_prompt || return 1
    shown=$(count "  iteration ")
    type_text "train logistic on slow target=y C=1000 tol=0 max_iter=100000 as slow"
    keys Enter
    wait_count "  iteration " $((shown + 1)) || return 1
    keys C-c
    wait_for "stopped by the user after" && wait_for "saved model 'slow' version 1" &&
        wait_prompt
}
check "Ctrl-C during training stops it and keeps the model as it stood" ctrl_c_training
resync
after_training() {
    type_text "models"
    keys Enter
    wait_for "slow        1  logistic" && wait_prompt
}
check "... and the REPL goes on: models lists it" after_training

# 20-22. A 10-fold cross-validation streams a line per fold as it ends, shows
# the fold being fitted, and Ctrl-C stops it keeping the folds done.
cv_streams() {
    type_text "cv logistic on slow target=y folds=10 max_iter=15"
    keys Enter
    wait_for "  fold 1/10: accuracy" || return 1
    wait_for "fold 2/10  iteration"
}
check "cv shows each fold's result as it ends, and the fold being fitted" cv_streams
cv_cancel() {
    keys C-c
    wait_for "stopped by the user after" && wait_for "of 10 folds" && wait_prompt
}
check "Ctrl-C during cv stops it and reports the folds done" cv_cancel
resync
cv_recorded() {
    type_text "runs"
    keys Enter
    wait_for "cancelled  logistic   cv" && wait_prompt
}
check "... and runs lists the cross-validation as cancelled" cv_recorded

# 23-25. quit leaves with status 0; the history file is private.
quit_exits() {
    type_text "quit"
    keys Enter
    wait_for "[aiwb exited 0]"
}
check "quit leaves aiwb with exit status 0" quit_exits
history_private() {
    [ -f "$history" ] || {
        echo "# no $history"
        find "$XDG_STATE_HOME" | sed 's/^/# /'
        return 1
    }
    [ -n "$(find "$history" -perm 600)" ] || {
        # shellcheck disable=SC2012 # only to show the mode
        echo "# $history is not mode 600: $(ls -l "$history")"
        return 1
    }
}
check "the history is in \$XDG_STATE_HOME/aiwb/history with mode 600" history_private
history_lines() {
    if ! grep -qx "load iris" "$history" || ! grep -q "^describe iris *$" "$history" ||
        ! grep -qx "quit" "$history" || grep -q "half typed" "$history"; then
        echo "# the history file:"
        sed 's/^/# /' "$history"
        return 1
    fi
}
check "... holding the commands run, not the line dropped by Ctrl-C" history_lines

# 26-31. A second session: the workspace and the history are still there.
start
check "a second session's banner counts the models kept" wait_for "workspace aiwb.db: "
banner_models() {
    screen | grep -q "workspace aiwb.db: .* 2 models" && return 0
    show_screen
    return 1
}
check "... 2 models" banner_models
up_arrow() {
    wait_prompt || return 1
    keys Up
    wait_line "aiwb> quit"
}
check "Up shows the previous session's last command" up_arrow
up_twice() {
    keys Up
    wait_line "aiwb> runs"
}
check "Up again shows the one before" up_twice
ctrl_d() {
    keys C-u
    wait_prompt || return 1
    keys C-d
    wait_for "[aiwb exited 0]"
}
check "Ctrl-D on an empty line leaves aiwb with exit status 0" ctrl_d
models_kept() {
    start
    wait_prompt || return 1
    type_text "models"
    keys Enter
    wait_for "m           1  logistic" && wait_for "slow        1  logistic"
}
check "the models trained interactively are in the workspace" models_kept

[ "$n" -eq 31 ] || echo "Bail out! planned 31 tests, ran $n"
