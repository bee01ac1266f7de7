#!/bin/sh
# linear_fit.sh - the ols and ridge jobs for the shared bench harness: builds
# bench/linear_fit.c against a build tree (once, again when it or the core
# library is newer) and runs it. See linear_fit.c for what is timed.
# bench/logistic_fit.sh runs bench/logistic_fit.c the same way (FIT below).
#
# Usage: linear_fit.sh [--pipeline] LABEL ALGORITHM [OPTION=VALUE ...]
#        (e.g. linear_fit.sh aiwb_ridge ridge lambda=1)
# Env:   FIT         the program, bench/FIT.c (default linear_fit)
#        AIWB_BUILD  the build folder (default: the folder of $AIWB's src/,
#                    else ../build beside this script's folder)
#        AIWB_DATA   the data folder (default /tmp/aiwb-bench/data)
#        SCRATCH     where the program goes (default /tmp/aiwb-bench; $SCRATCH/bin)
#
# SPDX-License-Identifier: GPL-3.0-or-later
set -eu
here=$(cd "$(dirname "$0")" && pwd)
fit=${FIT:-linear_fit}
src=$(dirname "$here")
if [ -z "${AIWB_BUILD:-}" ]; then
    if [ -n "${AIWB:-}" ]; then
        AIWB_BUILD=$(cd "$(dirname "$AIWB")/.." && pwd)
    else
        AIWB_BUILD=$src/build
    fi
fi
export AIWB_BUILD
[ -f "$AIWB_BUILD/src/libaiwbcore.la" ] ||
    { echo "$fit: no $AIWB_BUILD/src/libaiwbcore.la: set AIWB_BUILD" >&2; exit 1; }
bin=${SCRATCH:-/tmp/aiwb-bench}/bin
prog=$bin/$fit
mkdir -p "$bin"
if [ ! -x "$prog" ] || [ "$here/$fit.c" -nt "$prog" ] ||
    [ "$AIWB_BUILD/src/libaiwbcore.la" -nt "$prog" ]; then
    # the core library's own flags and libraries, as the unit tests link it
    gsl_libs=$(sed -n 's/^GSL_LIBS = //p' "$AIWB_BUILD/Makefile")
    cc=$(sed -n 's/^CC = //p' "$AIWB_BUILD/Makefile")
    "$AIWB_BUILD/libtool" --quiet --mode=link "$cc" -std=gnu11 -O2 -Wall \
        -I"$AIWB_BUILD" -I"$src/include" -I"$src/src" -DHAVE_CONFIG_H \
        -o "$prog" "$here/$fit.c" "$AIWB_BUILD/src/libaiwbcore.la" $gsl_libs -lm
fi
exec "$prog" "$@"
