#!/bin/sh
# crash.sh - the issue's "done means": `kill -9` in the middle of a training
# run leaves a workspace that passes PRAGMA integrity_check, shows the run as
# interrupted, and keeps every earlier run and model. The long run is a
# 10-class logistic regression on 200,000 rows x 20 features (made with awk,
# the same on every machine) with tol=0, which iterates far longer than the
# test waits (about 0.2 s an iteration); it is killed at three instants: as
# soon as `runs` shows it running, after 2 iterations, after 8. Then Ctrl-C
# (SIGINT) in a script: training stops, the model as it stood is kept, the
# run is marked cancelled, the script stops there and aiwb exits with 130.
# Prints TAP; `make check` runs it with top_srcdir and top_builddir exported.
#
# SPDX-License-Identifier: GPL-3.0-or-later

: "${top_srcdir:?run the tests with make check}"
: "${top_builddir:?run the tests with make check}"

sqlite=/usr/bin/sqlite3
if [ ! -x "$sqlite" ]; then
    echo "1..0 # SKIP no $sqlite"
    exit 0
fi

echo "1..27"

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
# Show FILE in the log, as TAP comments.
show() {
    sed 's/^/# /' "$1"
}

aiwb=$top_builddir/src/aiwb
work=$top_builddir/tests/tmp/crash-sh.$$
rm -rf "$work"
mkdir -p "$work/home" || exit 99
pid=
# shellcheck disable=SC2317 # called by the traps
cleanup() {
    [ -z "$pid" ] || kill -9 "$pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM
cd "$work" || exit 99
HOME=$work/home
XDG_STATE_HOME=$work/home/state
LC_ALL=C.UTF-8
export HOME XDG_STATE_HOME LC_ALL
unset AIWB_WORKSPACE AIWB_HISTFILE

# The long run's data: x1..x20 uniform in [-1, 1] from a Park-Miller
# generator (exact in doubles, so every awk gives the same bytes), y one of
# ten classes by a linear score.
awk -v n=200000 'BEGIN {
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
}' >big.csv

# 1. The earlier work the kills must not lose: a finished run and its model.
setup() {
    "$aiwb" -c 'load iris; train logistic on iris target=species as first;
        eval first on iris; load big big.csv' >setup.log 2>&1 || {
        show setup.log
        return 1
    }
    if ! grep -q "saved model 'first' version 1" setup.log ||
        ! grep -q "loaded 'big': 200000 rows" setup.log; then
        show setup.log
        return 1
    fi
    grep '^accuracy' setup.log >accuracy.first
}
check "a first model trains and 200,000 rows load" setup

slow='train logistic on big target=y C=1000 max_iter=100000 tol=0 as slow'

# run_status ID: the status of run ID as `aiwb -c runs` shows it (empty if
# not listed).
run_status() {
    "$aiwb" -c runs 2>/dev/null | awk -v id="$1" '$1 == id { print $2 }'
}

# steps ID: how many iterations of run ID the workspace holds.
steps() {
    "$sqlite" -cmd '.timeout 5000' aiwb.db \
        "SELECT count(DISTINCT step) FROM curves WHERE run = $1" 2>/dev/null
}

# start_slow ID STEPS: start the long run, expected to be run ID, in the
# background and wait until `runs` shows it running and the workspace holds
# at least STEPS of its iterations (60 s at most). Sets $pid.
start_slow() {
    "$aiwb" -c "$slow" >"slow-$1.log" 2>&1 &
    pid=$!
    tries=0
    while [ $tries -lt 600 ]; do
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "# the long run ended by itself:"
            show "slow-$1.log"
            return 1
        fi
        if [ "$2" -gt 0 ]; then
            done=$(steps "$1")
            [ "${done:-0}" -ge "$2" ] && [ "$(run_status "$1")" = running ] && return 0
        else
            [ "$(run_status "$1")" = running ] && return 0
        fi
        sleep 0.1
        tries=$((tries + 1))
    done
    echo "# run $1 was not seen running with $2 iterations within 60 s:"
    show "slow-$1.log"
    return 1
}

# kill_slow: kill -9 the long run and reap it.
kill_slow() {
    kill -9 "$pid"
    wait "$pid" 2>/dev/null # not the shell's "Killed"
    status=$?
    pid=
    [ $status -eq 137 ] || {
        echo "# it exited with $status, not 137 (killed)"
        return 1
    }
}

integrity() {
    "$sqlite" aiwb.db 'PRAGMA integrity_check' >integrity.out 2>&1
    [ "$(cat integrity.out)" = ok ] || {
        show integrity.out
        return 1
    }
}

# runs_after ID: run ID shows as interrupted, and run 1 as finished.
runs_after() {
    "$aiwb" -c runs >runs.out 2>&1 || {
        show runs.out
        return 1
    }
    awk -v id="$1" '
        $1 == 1 && $2 == "finished" && / first v1 / { first = 1 }
        $1 == id && $2 == "interrupted" { killed = 1 }
        END { exit !(first && killed) }' runs.out || {
        show runs.out
        return 1
    }
}

models_after() {
    "$aiwb" -c models >models.out 2>&1 || {
        show models.out
        return 1
    }
    grep -Eq '^first +1 +logistic +iris +species +1 ' models.out || {
        show models.out
        return 1
    }
    if grep -q '^slow ' models.out; then
        echo "# the killed run saved a model:"
        show models.out
        return 1
    fi
}

eval_after() {
    "$aiwb" -c 'eval first on iris' >eval.out 2>&1 || {
        show eval.out
        return 1
    }
    grep '^accuracy' eval.out | cmp -s - accuracy.first || {
        echo "# not the accuracy it had before the kills ($(cat accuracy.first)):"
        show eval.out
        return 1
    }
}

# 2-19. Three kills, at three instants. The runs are 2, 3 and 4.
id=2
for at in 0 2 8; do
    if [ $at -eq 0 ]; then
        when="as soon as it shows running"
    else
        when="after $at iterations"
    fi
    if start_slow $id $at; then
        ok "run $id starts and shows running ($when)"
        check "kill -9 stops it $when" kill_slow
    else
        not_ok "run $id starts and shows running ($when)"
        not_ok "kill -9 stops it $when"
        [ -z "$pid" ] || kill -9 "$pid" 2>/dev/null
        pid=
    fi
    check "after kill -9 $when: PRAGMA integrity_check is ok" integrity
    check "after kill -9 $when: runs shows run $id interrupted and run 1 finished" runs_after $id
    check "after kill -9 $when: models still lists 'first' version 1, and no 'slow'" models_after
    check "after kill -9 $when: eval of 'first' gives the accuracy it gave before" eval_after
    id=$((id + 1))
done

# 20-21. The interrupted runs say why, and every earlier run is still listed.
runs_listed() {
    "$aiwb" -c runs >runs.out 2>&1
    [ "$(awk '$1 ~ /^[0-9]+$/' runs.out | wc -l)" -eq 4 ] || {
        show runs.out
        return 1
    }
}
check "runs lists the four runs" runs_listed
interrupted_message() {
    [ "$(grep -c 'interrupted .*the process running it ended without finishing it' runs.out)" -eq 3 ] || {
        show runs.out
        return 1
    }
}
check "each killed run says its process ended without finishing it" interrupted_message

# 22-27. Ctrl-C (SIGINT) in a script: the run stops, its model is kept, the
# script goes no further, and aiwb exits with 130. The train is not the
# last command: what follows it must not run.
cat >interrupted.aiwb <<'EOF'
train logistic on big target=y C=1000 max_iter=100000 tol=0 as stopped; write iris after.csv
write iris after-line.csv
EOF
sigint() {
    "$aiwb" -f interrupted.aiwb >sigint.log 2>&1 &
    pid=$!
    tries=0
    while [ $tries -lt 600 ]; do
        done=$(steps 5)
        [ "${done:-0}" -ge 3 ] && break
        sleep 0.1
        tries=$((tries + 1))
    done
    kill -INT "$pid"
    wait "$pid"
    status=$?
    pid=
    [ $status -eq 130 ] || {
        echo "# aiwb exited with $status, not 130:"
        grep -v '^ *[a-z0-9()]* *-\{0,1\}[0-9]' sigint.log | sed 's/^/# /'
        return 1
    }
}
check "SIGINT during training in a script: aiwb exits with 130" sigint
check "... and the rest of the line did not run" test ! -e after.csv
check "... nor the lines after it" test ! -e after-line.csv
sigint_run() {
    "$aiwb" -c runs >runs.out 2>&1
    grep -Eq '^ *5 +cancelled .*stopped by the user after [0-9]+ iterations' runs.out || {
        show runs.out
        return 1
    }
}
check "... and runs shows run 5 cancelled, stopped by the user" sigint_run
sigint_model() {
    "$aiwb" -c models >models.out 2>&1
    grep -Eq '^stopped +1 +logistic +big +y +5 ' models.out || {
        show models.out
        return 1
    }
}
check "... and the model as it stood is kept as 'stopped' version 1" sigint_model
check "... and the workspace passes PRAGMA integrity_check" integrity

[ "$n" -eq 27 ] || echo "Bail out! planned 27 tests, ran $n"
