#!/bin/sh
# export.sh - runs export.py (see there) with Debian's python3: TAP on stdout.
#
# SPDX-License-Identifier: GPL-3.0-or-later

: "${top_srcdir:?run the tests with make check}"
: "${top_builddir:?run the tests with make check}"
python=/usr/bin/python3
[ -x "$python" ] || python=$(command -v python3)
if [ -z "$python" ]; then
    echo "1..0 # SKIP no python3"
    exit 0
fi
exec "$python" "$top_srcdir/tests/shell/export.py"
