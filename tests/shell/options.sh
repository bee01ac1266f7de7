#!/bin/sh
# options.sh - aiwb as scripts and pipelines call it: --help and --version,
# wrong calls (exit 2), scripts and -c stopping at their first error with the
# place and exit 1, commands from a pipe, --format csv and json on stdout with
# the messages on stderr, the same output on every run, and the choice of the
# workspace file. Prints TAP; `make check` runs it with top_srcdir and
# top_builddir exported.
#
# SPDX-License-Identifier: GPL-3.0-or-later

: "${top_srcdir:?run the tests with make check}"
: "${top_builddir:?run the tests with make check}"

echo "1..40"

n=0
ok() {
    n=$((n + 1))
    echo "ok $n - $1"
}
not_ok() {
    n=$((n + 1))
    echo "not ok $n - $1"
}
skip() {
    n=$((n + 1))
    echo "ok $n - $1 # SKIP $2"
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
work=$top_builddir/tests/tmp/options-sh.$$
rm -rf "$work"
mkdir -p "$work/home" || exit 99
trap 'rm -rf "$work"' EXIT
trap 'exit 1' HUP INT TERM
cd "$work" || exit 99
HOME=$work/home
XDG_STATE_HOME=$work/home/state
LC_ALL=C.UTF-8
export HOME XDG_STATE_HOME LC_ALL
unset AIWB_WORKSPACE AIWB_HISTFILE

# run ARGS...: run aiwb with stdin from /dev/null; $work/out, $work/err, $rc.
run() {
    "$aiwb" "$@" <"$work/null" >"$work/out" 2>"$work/err"
    rc=$?
}
: >"$work/null"

# expect STATUS: $rc is STATUS, else say what was printed.
expect() {
    [ "$rc" -eq "$1" ] && return 0
    echo "# exit status $rc, expected $1; stdout:"
    show "$work/out"
    echo "# stderr:"
    show "$work/err"
    return 1
}
# empty FILE: FILE is empty, else show it.
empty() {
    [ ! -s "$1" ] && return 0
    echo "# $(basename "$1") is not empty:"
    show "$1"
    return 1
}
# has FILE TEXT: FILE holds the fixed string TEXT, else show it.
has() {
    grep -qF -e "$2" "$1" && return 0
    echo "# $(basename "$1") does not hold '$2':"
    show "$1"
    return 1
}
# lacks FILE TEXT: FILE does not hold TEXT.
lacks() {
    grep -qF -e "$2" "$1" || return 0
    echo "# $(basename "$1") holds '$2':"
    show "$1"
    return 1
}

# 1-4. --help and --version: stdout, exit 0, nothing on stderr.
help_ok() {
    run "$@"
    expect 0 && empty "$work/err" && has "$work/out" "Usage: aiwb [OPTION]..." &&
        has "$work/out" "--format=FORMAT" && has "$work/out" "Exit status"
}
check "--help prints the usage on stdout, exit 0, nothing on stderr" help_ok --help
check "-h is --help" help_ok -h

version_ok() {
    run "$@"
    expect 0 && empty "$work/err" || return 1
    head -n 1 "$work/out" | grep -Eq '^aiwb [0-9]+\.[0-9]+\.[0-9]+ \(plugin ABI [0-9]+\.[0-9]+\)$' || {
        echo "# the first line is not 'aiwb X.Y.Z (plugin ABI N.M)':"
        show "$work/out"
        return 1
    }
}
check "--version prints 'aiwb X.Y.Z (plugin ABI N.M)' on stdout, exit 0" version_ok --version
check "-V is --version" version_ok -V

# 5-10. Wrong calls: exit 2, a hint on stderr, nothing on stdout, no workspace.
usage_error() {
    hint=$1
    shift
    rm -f aiwb.db
    run "$@"
    expect 2 && empty "$work/out" && has "$work/err" "$hint" || return 1
    [ ! -e aiwb.db ] || {
        echo "# a workspace was made"
        return 1
    }
}
check "an unknown option: exit 2 and a hint" usage_error "Try 'aiwb --help'" --bogus
check "an unknown short option: exit 2 and a hint" usage_error "Try 'aiwb --help'" -x
check "an option without its value: exit 2" usage_error "Try 'aiwb --help'" -c
check "an extra argument: exit 2, naming it" usage_error "'extra'" -c help extra
check "-c and -f together: exit 2" usage_error "not both" -c help -f script.aiwb
check "--format with an unknown format: exit 2, naming it" usage_error "'yaml'" --format yaml -c help

# 11. -f of a file that is not there.
missing_script() {
    run -f no-such-script.aiwb
    expect 1 && empty "$work/out" && has "$work/err" "no-such-script.aiwb" &&
        has "$work/err" "No such file or directory"
}
check "-f of a missing file: exit 1 and the reason" missing_script

# 12-14. A script stops at its first error, naming FILE:LINE; later lines do not run.
cat >stops.aiwb <<'EOF'
# a comment, then a blank line

load iris
head iris 2
describe no-such-dataset
write iris after-the-error.csv
EOF
rm -f after-the-error.csv
run -f stops.aiwb
stops_status() {
    expect 1 && has "$work/err" "stops.aiwb:5: no dataset 'no-such-dataset'"
}
check "a script's error: exit 1 and 'stops.aiwb:5:' on stderr" stops_status
check "the lines before the error ran" has "$work/out" "(2 of 150 rows)"
check "the lines after the error did not run" test ! -e after-the-error.csv

# 15. -c numbers its commands.
dash_c() {
    rm -f after-the-error.csv
    run -c 'load iris; head iris 1; frobnicate; write iris after-the-error.csv'
    expect 1 && has "$work/err" "-c:3: unknown command 'frobnicate'" &&
        has "$work/out" "(1 of 150 rows)" || return 1
    [ ! -e after-the-error.csv ] || {
        echo "# the command after the error ran"
        return 1
    }
}
check "-c: exit 1 at the first error, naming '-c:3'; later commands do not run" dash_c

# 16. A script's last line needs no newline; a line continues after '\'.
printf 'load iris\nhead \\\n  iris \\\n  1' >nonl.aiwb
no_newline() {
    run -f nonl.aiwb
    expect 0 && has "$work/out" "(1 of 150 rows)"
}
check "a script's continued last line without a newline runs" no_newline

# 17-20. Commands piped on stdin: no prompt, no escape sequences, errors named.
printf 'load iris\nhead iris 2\nhelp\n' >piped.aiwb
piped() {
    "$aiwb" <piped.aiwb >"$work/out" 2>"$work/err"
    rc=$?
    expect 0 && has "$work/out" "(2 of 150 rows)" || return 1
    if grep -q 'aiwb>' "$work/out" "$work/err"; then
        echo "# a prompt was printed:"
        show "$work/out"
        show "$work/err"
        return 1
    fi
}
check "commands piped on stdin run, exit 0, without a prompt" piped

no_escapes() {
    esc=$(printf '\033')
    if grep -q "$esc" "$work/out" "$work/err"; then
        echo "# escape bytes in the output:"
        od -c "$work/out" | grep -F '033' | head -n 5 | sed 's/^/# /'
        return 1
    fi
}
check "no escape bytes in what a pipe gets" no_escapes

piped_error() {
    printf 'load iris\nbogus\nhelp\n' | "$aiwb" >"$work/out" 2>"$work/err"
    rc=$?
    expect 1 && has "$work/err" "<stdin>:2: unknown command 'bogus'" &&
        lacks "$work/out" "what it does"
}
check "a piped command's error: exit 1, '<stdin>:2:', the rest not run" piped_error

dash_f_stdin() {
    printf 'load iris\nhead iris 1\nbogus\n' | "$aiwb" -f - >"$work/out" 2>"$work/err"
    rc=$?
    expect 1 && has "$work/out" "(1 of 150 rows)" && has "$work/err" ":3: unknown command 'bogus'"
}
check "-f - reads the script from stdin" dash_f_stdin

# 21-26. --format csv and json: tables on stdout, messages on stderr.
rm -f aiwb.db
"$aiwb" -c 'load iris; split iris ratio=0.7 seed=1 stratify=species;
    train logistic on iris.train target=species as m1' >/dev/null 2>&1

# csv_rows FILE FIELDS: every line of FILE has FIELDS fields (RFC 4180 quotes).
csv_rows() {
    awk -v want="$2" '
    {
        line = $0; fields = 1; inq = 0
        for (i = 1; i <= length(line); i++) {
            c = substr(line, i, 1)
            if (c == "\"") inq = !inq
            else if (c == "," && !inq) fields++
        }
        if (inq || fields != want) { printf "# line %d has %d fields: %s\n", NR, fields, line; bad = 1 }
    }
    END { exit bad }' "$1"
}

csv_head() {
    run --format csv -c 'head iris 3'
    expect 0 || return 1
    [ "$(head -n 1 "$work/out")" = "sepal_length,sepal_width,petal_length,petal_width,species" ] || {
        echo "# not the header of iris:"
        show "$work/out"
        return 1
    }
    if [ "$(wc -l <"$work/out")" -ne 4 ] || ! csv_rows "$work/out" 5; then
        show "$work/out"
        return 1
    fi
    if [ -x /usr/bin/python3 ]; then
        /usr/bin/python3 -c '
import csv, sys
rows = list(csv.reader(sys.stdin))
assert rows[0][4] == "species" and rows[1] == ["5.1", "3.5", "1.4", "0.2", "setosa"], rows
' <"$work/out" 2>"$work/py" || {
            show "$work/py"
            return 1
        }
    fi
}
check "--format csv: head is CSV with the columns as header" csv_head

csv_eval() {
    run --format csv -c 'eval m1 on iris.test'
    expect 0 || return 1
    [ "$(head -n 1 "$work/out")" = "metric,value" ] || {
        echo "# eval's CSV does not start with 'metric,value':"
        show "$work/out"
        return 1
    }
    has "$work/out" "accuracy,0.9333333333333333" && lacks "$work/out" "eval m1" &&
        has "$work/err" "eval m1:1 (logistic) on 'iris.test'"
}
check "--format csv: eval's metrics with exact numbers on stdout, its message on stderr" csv_eval

csv_messages() {
    run --format csv -c 'load iris; runs'
    expect 0 && has "$work/err" "loaded 'iris'" && lacks "$work/out" "loaded" &&
        has "$work/out" "id,status,algorithm,kind" && csv_rows "$work/out" 13
}
check "--format csv: messages go to stderr, runs is CSV" csv_messages

# json_lines FILE: every line of FILE is a JSON object (python3's json when
# there is one; else each line at least looks like an object).
json_lines() {
    [ -s "$1" ] || {
        echo "# no output"
        return 1
    }
    if [ -x /usr/bin/python3 ]; then
        /usr/bin/python3 -c '
import json, sys
for l in sys.stdin:
    if l.strip():
        assert isinstance(json.loads(l), dict), l
' <"$1" 2>"$work/py" || {
            show "$work/py"
            return 1
        }
    fi
    awk 'NF && !/^\{".*\}$/ { printf "# not a JSON object: %s\n", $0; bad = 1 } END { exit bad }' "$1"
}

json_eval() {
    run --format json -c 'eval m1 on iris.test; runs; models; datasets; describe iris; head iris 2'
    expect 0 && json_lines "$work/out" &&
        has "$work/out" '{"metric":"accuracy","value":0.9333333333333333}' &&
        has "$work/out" '"species":"setosa"' && lacks "$work/out" "eval m1" &&
        has "$work/err" "eval m1:1"
}
check "--format json: each line of eval, runs, models, datasets, describe, head is a JSON object" json_eval

json_null() {
    run --format json -c 'load airquality; head airquality 5'
    expect 0 && json_lines "$work/out" && has "$work/out" '{"Ozone":null,"Solar.R":null,"Wind":14.3'
}
check "--format json: a missing value is null" json_null

table_format() {
    run --format table -c 'eval m1 on iris.test'
    expect 0 && has "$work/out" "eval m1:1 (logistic) on 'iris.test'" && has "$work/out" "accuracy   0.933333"
}
check "--format table: aligned text, messages on stdout" table_format

# 27-29. The same script prints the same, run after run, workspace after workspace.
cat >same.aiwb <<'EOF'
load iris
split iris ratio=0.7 seed=5 stratify=species
train logistic on iris.train target=species with standardize as m
eval m on iris.test
predict m on iris.test as p
write p p.csv
load airquality
train ols on airquality target=Ozone with impute(strategy=median) as aq
eval aq on airquality
EOF
mkdir -p one two
(cd one && "$aiwb" -f ../same.aiwb >out 2>&1)
(cd two && "$aiwb" -f ../same.aiwb >out 2>&1)
same_output() {
    diff -u "one/$1" "two/$1" >"$work/diff" && return 0
    show "$work/diff"
    return 1
}
check "the same script in two fresh workspaces: the same output" same_output out
check "... and the same predictions, bit for bit" same_output p.csv
again() {
    cp one/out one/out.first
    cp one/p.csv one/p.first
    rm -f one/aiwb.db one/aiwb.db-wal one/aiwb.db-shm
    (cd one && "$aiwb" -f ../same.aiwb >out 2>&1)
    cmp -s one/out one/out.first && cmp -s one/p.csv one/p.first && return 0
    diff -u one/out.first one/out | sed 's/^/# /'
    return 1
}
check "the same script again after deleting the workspace: the same output" again

# 30-35. Which workspace: ./aiwb.db, --workspace FILE, -w FILE, $AIWB_WORKSPACE.
mkdir -p ws && cd ws || exit 99
default_ws() {
    run -c 'load iris'
    expect 0 && [ -f aiwb.db ]
}
check "the workspace is ./aiwb.db by default" default_ws
long_ws() {
    run --workspace first.db -c 'load diabetes'
    expect 0 && [ -f first.db ] || return 1
    run --workspace first.db -c datasets
    expect 0 && has "$work/out" diabetes && lacks "$work/out" iris
}
check "--workspace FILE chooses the file" long_ws
short_ws() {
    run -w second.db -c 'load airquality'
    expect 0 && [ -f second.db ] || return 1
    run -w second.db -c datasets
    expect 0 && has "$work/out" airquality && lacks "$work/out" diabetes
}
check "-w FILE chooses the file" short_ws
env_ws() {
    AIWB_WORKSPACE=third.db "$aiwb" -c 'load iris' </dev/null >"$work/out" 2>"$work/err"
    rc=$?
    expect 0 && [ -f third.db ] || return 1
    AIWB_WORKSPACE=third.db "$aiwb" -c datasets </dev/null >"$work/out" 2>"$work/err"
    rc=$?
    expect 0 && has "$work/out" iris
}
check "\$AIWB_WORKSPACE chooses the file" env_ws
option_over_env() {
    AIWB_WORKSPACE=third.db "$aiwb" -w first.db -c datasets </dev/null >"$work/out" 2>"$work/err"
    rc=$?
    expect 0 && has "$work/out" diabetes && lacks "$work/out" iris
}
check "--workspace wins over \$AIWB_WORKSPACE" option_over_env
files_ws() {
    for f in aiwb.db first.db second.db third.db; do
        /usr/bin/sqlite3 "$f" 'SELECT name FROM datasets' >"$work/names" 2>&1 || {
            echo "# sqlite3 cannot read $f:"
            show "$work/names"
            return 1
        }
    done
    [ "$(/usr/bin/sqlite3 first.db 'SELECT group_concat(name) FROM datasets')" = diabetes ] &&
        [ "$(/usr/bin/sqlite3 aiwb.db 'SELECT group_concat(name) FROM datasets')" = iris ]
}
if [ -x /usr/bin/sqlite3 ]; then
    check "each workspace is a sqlite file holding only its own datasets" files_ws
else
    skip "each workspace is a sqlite file holding only its own datasets" "no /usr/bin/sqlite3"
fi

# 36-38. A file that is not a workspace is refused, and left as it was.
printf 'these are my notes, not a database\n' >notes.txt
cp notes.txt notes.orig
not_sqlite() {
    run -w notes.txt -c datasets
    expect 1 && has "$work/err" "notes.txt" && empty "$work/out"
}
check "a workspace that is not a sqlite file: exit 1 and a message naming it" not_sqlite
check "... and the file is left as it was" cmp -s notes.txt notes.orig
no_folder() {
    run -w no-such-folder/x.db -c datasets
    expect 1 && has "$work/err" "no-such-folder/x.db"
}
check "a workspace in a folder that is not there: exit 1 and a message naming it" no_folder
cd "$work" || exit 99

# 39-40. A script that only reads: -q, and the exit status of a failing
# last command.
quiet() {
    run -q -c help
    expect 0 && has "$work/out" "what it does" && empty "$work/err"
}
check "-q with -c is accepted" quiet
last_fails() {
    run -c 'help; help no-such-thing'
    expect 1 && has "$work/err" "-c:2: help: no command or plugin 'no-such-thing'"
}
check "a failing last command: exit 1" last_fails

[ "$n" -eq 40 ] || echo "Bail out! planned 40 tests, ran $n"
