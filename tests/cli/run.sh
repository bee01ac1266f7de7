#!/bin/sh
# run.sh - the scripted sessions: each tests/cli/NNNN-topic.aiwb runs with
# `aiwb -f` in a fresh empty folder (so a fresh workspace), and what it prints
# (stdout and stderr together), then "[exit N]", must equal NNNN-topic.out.
# Prints TAP, one test a case; `make check` runs it with top_srcdir and
# top_builddir exported. Numbering: 0xxx core and REPL, 1xxx data, 2xxx training.
#
# A case may have several steps, each a new process in the same folder (same
# workspace, same files). A line starting with "#!" starts a step:
#
#   #!aiwb ARGS   runs `aiwb ARGS -f CASE` on the lines that follow, up to the
#                 next "#!" line; with no command lines, just `aiwb ARGS`
#                 (ARGS are split as sh does: #!aiwb -c 'runs; models')
#   #!sh COMMAND  runs COMMAND with sh; `aiwb` is on its PATH
#
# The lines before the first "#!" line are the first step, `aiwb -f CASE`.
# The folder holds a copy of tests/data/cli as data/ ("load h data/houses.csv").
# Each step's script keeps its lines at their place in the case and blanks
# the others, so error messages name the case's own line numbers
# ("aiwb: 2100-errors.aiwb:12: ..."). In the .out file each step after the
# first starts with its "#!" line, and each step ends with "[exit N]".
#
# What legitimately varies is normalised before comparing: ISO timestamps
# (YYYY-MM-DDThh:mm:ss.sssZ), the temporary folder (@TMP@), $top_builddir
# (@BUILDDIR@) and $top_srcdir (@SRCDIR@), the seconds of `runs` and `runs ID`
# (x.xxx), and the bytes and crc32 of `models` (nnnnn, xxxxxxxx: the size
# changes with the model format, the checksum with the last bits of the
# numbers, which depend on the machine's BLAS kernels).
#
# With AIWB_VALGRIND=1 every aiwb runs under valgrind and a case passes when
# valgrind reports nothing (.ci/run does so); the output is not compared.
#
# To run some cases by hand:
#     top_srcdir=/path/to/src top_builddir=/path/to/build tests/cli/run.sh [CASE.aiwb ...]
# To accept what the program prints now as the expected output (then review
# the change with `git diff tests/cli` before committing):
#     AIWB_BLESS=1 top_srcdir=... top_builddir=... tests/cli/run.sh [CASE.aiwb ...]
#
# SPDX-License-Identifier: GPL-3.0-or-later

: "${top_srcdir:?run the tests with make check}"
: "${top_builddir:?run the tests with make check}"

work=$top_builddir/tests/tmp/cli-run.$$
rm -rf "$work"
mkdir -p "$work/bin" || exit 99
trap 'rm -rf "$work"' EXIT
trap 'exit 1' HUP INT TERM

# The program the steps run, and `aiwb` on the PATH of #!sh steps. With
# AIWB_VALGRIND=1 every run goes through valgrind, which writes its reports
# to $work/valgrind; a case then passes when they are empty. Its output is
# not compared: under valgrind the CPU looks different to OpenBLAS and libm,
# and the last digits of the numbers change.
aiwb=$work/bin/aiwb
vglogs=$work/valgrind
if [ -n "${AIWB_VALGRIND:-}" ]; then
    if ! command -v valgrind >/dev/null 2>&1; then
        echo "1..0 # SKIP AIWB_VALGRIND is set but there is no valgrind"
        exit 0
    fi
    mkdir -p "$vglogs" || exit 99
    printf '#!/bin/sh\nexec valgrind -q --log-file=%s/%%p.log --leak-check=full %s "%s" "$@"\n' \
        "$vglogs" "--show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect" \
        "$top_builddir/src/aiwb" >"$aiwb"
else
    printf '#!/bin/sh\nexec "%s" "$@"\n' "$top_builddir/src/aiwb" >"$aiwb"
fi
chmod +x "$aiwb" || exit 99

# The same output on every machine: a UTF-8 locale (column widths count
# characters), no workspace or plugins from the environment, and on x86-64
# with AVX2 the same OpenBLAS kernels (Haswell's), single-threaded: OpenBLAS
# picks its kernels by the CPU (Haswell, SkylakeX, ...), and each rounds
# differently, which shows in the 6th digit of some coefficients, in a
# near-zero gradient and in exact CSV numbers. (GSL's reference CBLAS,
# configure --without-openblas, needs none of this.) Not under valgrind:
# it hides AVX-512 from OpenBLAS anyway, and the older kernels read past
# their arrays, which valgrind reports.
LC_ALL=C.UTF-8
OPENBLAS_NUM_THREADS=1
export LC_ALL OPENBLAS_NUM_THREADS
if [ -z "${AIWB_VALGRIND:-}" ] && [ "$(uname -m)" = x86_64 ] &&
    grep -qw avx2 /proc/cpuinfo 2>/dev/null; then
    OPENBLAS_CORETYPE=Haswell
    export OPENBLAS_CORETYPE
fi
unset AIWB_WORKSPACE AIWB_HISTFILE
AIWB_PLUGIN_PATH=
export AIWB_PLUGIN_PATH

# The cases named on the command line, else all of them.
if [ $# -gt 0 ]; then
    for c; do
        shift
        case $c in
        */*) ;;
        *) c=$top_srcdir/tests/cli/$c ;;
        esac
        set -- "$@" "$c"
    done
else
    set -- "$top_srcdir"/tests/cli/*.aiwb
fi
echo "1..$#"

# normalise TMPDIR...: the output on stdin with what varies replaced.
normalise() {
    # aiwb records canonical paths; distcheck's top_srcdir holds "..".
    awk -v tmp="$1" -v tmp2="$2" -v build="$(cd "$top_builddir" && pwd -P)" \
        -v src="$(cd "$top_srcdir" && pwd -P)" '
    # Replace every occurrence of the text FROM in S by TO.
    function literal(s, from, to,    out, i) {
        if (from == "")
            return s
        out = ""
        while ((i = index(s, from)) > 0) {
            out = out substr(s, 1, i - 1) to
            s = substr(s, i + length(from))
        }
        return out s
    }
    {
        line = literal($0, tmp2, "@TMP@")
        line = literal(line, tmp, "@TMP@")
        # The longer path first: one may hold the other (distcheck builds
        # in src/_build/sub), and in an in-tree build they are the same.
        if (length(build) > length(src)) {
            line = literal(line, build, "@BUILDDIR@")
            line = literal(line, src, "@SRCDIR@")
        } else {
            line = literal(line, src, "@SRCDIR@")
            line = literal(line, build, "@BUILDDIR@")
        }
        # Plugins live in the build tree, which may be the source tree.
        gsub(/@(BUILD|SRC)DIR@\/plugins\/\.libs/, "@PLUGINS@", line)
        gsub(/[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9](\.[0-9]+)?Z/,
             "YYYY-MM-DDThh:mm:ss.sssZ", line)
        # JSON lines of runs and models.
        gsub(/"seconds":[-+.0-9eE]+/, "\"seconds\":x.xxx", line)
        # One run in detail (`runs ID`): its field of seconds.
        if (line ~ /^seconds  +[-+.0-9eE]+$/)
            sub(/[-+.0-9eE]+$/, "x.xxx", line)
        gsub(/"crc32":"[0-9a-f]+"/, "\"crc32\":\"xxxxxxxx\"", line)
        gsub(/"bytes":[0-9]+/, "\"bytes\":nnnnn", line)

        # The tables of runs and models, as text or CSV: note where each starts.
        if (line ~ /^ *id  +status  +algorithm/ && (p = index(line, "seconds")) > 0) {
            table = "runs"
        } else if (line ~ /^id,status,algorithm,/) {
            table = "runs-csv"
        } else if (line ~ /^name  +version  +algorithm/ && index(line, "crc32") > 0) {
            table = "models"
        } else if (line ~ /^name,version,algorithm,/) {
            table = "models-csv"
        } else if (table == "runs" && line ~ /^ *[0-9]+  /) {
            # Right-aligned under the header "seconds".
            if (substr(line, p, 7) ~ /[0-9]/)
                line = substr(line, 1, p - 1) "  x.xxx" substr(line, p + 7)
        } else if (table == "runs-csv" && line ~ /^[0-9]+,/) {
            sub(/sssZ,[-+.0-9eE]*,/, "sssZ,x.xxx,", line)
        } else if (table == "models" && match(line, / +[0-9]+  [0-9a-f]+$/)) {
            # The bytes, right-aligned, then the crc32: the same width.
            pad = ""
            for (i = RLENGTH - 10; i > 5; i--)
                pad = pad " "
            line = substr(line, 1, RSTART - 1) pad "nnnnn  xxxxxxxx"
        } else if (table == "models-csv" && line ~ /,[0-9]+,[0-9a-f]+$/) {
            sub(/,[0-9]+,[0-9a-f]+$/, ",nnnnn,xxxxxxxx", line)
        } else {
            table = ""
        }
        print line
    }'
}

# steps CASE: the steps of CASE, one a line: "FIRST LAST DIRECTIVE", where
# lines FIRST..LAST are its commands and DIRECTIVE is its "#!" line ("-"
# for the first step, which has none). A step without commands has FIRST 0.
steps() {
    awk '
    function flush() {
        if (directive != "-" || first > 0)
            print first, last, directive
    }
    BEGIN { directive = "-"; first = 0; last = 0 }
    /^#!/ {
        flush()
        directive = $0
        first = 0
        last = NR
        next
    }
    /^[ \t]*(#.*)?$/ { next }
    {
        if (first == 0)
            first = NR
        last = NR
    }
    END { flush() }' "$1"
}

# run_case CASE DIR: run the steps of CASE in DIR, printing what they print.
run_case() {
    name=$(basename "$1")
    steps "$1" >"$2.steps"
    while read -r first last directive; do
        if [ "$directive" != "-" ]; then
            printf '%s\n' "$directive"
        fi
        # The step's script: its lines in place, the others blank.
        awk -v first="$first" -v last="$last" \
            'NR > last { exit } { print (first > 0 && NR >= first) ? $0 : "" }' \
            "$1" >"$2/$name"
        (
            cd "$2" || exit 99
            HOME=$2/home
            XDG_STATE_HOME=$2/home/state
            PATH=$work/bin:$PATH
            export HOME XDG_STATE_HOME PATH
            case $directive in
            "#!sh "*)
                sh -c "${directive#\#!sh }" </dev/null
                ;;
            *)
                args=${directive#\#!aiwb}
                [ "$directive" = "-" ] && args=
                eval "set -- $args"
                if [ "$first" -gt 0 ]; then
                    "$aiwb" "$@" -f "$name" </dev/null
                else
                    "$aiwb" "$@" </dev/null
                fi
                ;;
            esac
            echo "[exit $?]"
        ) 2>&1
        rm -f "$2/$name"
    done <"$2.steps"
}

n=0
for c in "$@"; do
    n=$((n + 1))
    base=${c%.aiwb}
    topic=$(basename "$base")
    dir=$work/$topic
    mkdir -p "$dir/home" || exit 99
    cp -R "$top_srcdir/tests/data/cli" "$dir/data" && chmod -R u+w "$dir/data" || exit 99
    run_case "$c" "$dir" | normalise "$dir" "$(cd "$dir" && pwd -P)" >"$dir.got"
    if [ -n "${AIWB_VALGRIND:-}" ]; then
        reports=$(find "$vglogs" -name '*.log' -size +0)
        if [ -z "$reports" ]; then
            echo "ok $n - $topic under valgrind"
        else
            echo "not ok $n - $topic under valgrind"
            for r in $reports; do
                sed 's/^/# /' "$r"
            done
        fi
        rm -f "$vglogs"/*.log
    elif [ -n "${AIWB_BLESS:-}" ]; then
        cp "$dir.got" "$base.out"
        echo "ok $n - $topic # blessed: $base.out rewritten"
    elif [ ! -f "$base.out" ]; then
        echo "not ok $n - $topic"
        echo "# $base.out is missing; AIWB_BLESS=1 $0 $topic.aiwb writes it. The output:"
        sed 's/^/# /' "$dir.got"
    elif diff -u "$base.out" "$dir.got" >"$dir.diff"; then
        echo "ok $n - $topic"
    else
        echo "not ok $n - $topic"
        sed 's/^/# /' "$dir.diff"
    fi
done
