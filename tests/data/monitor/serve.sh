#!/bin/sh
# serve.sh NAME COMMAND...: start COMMAND in the background for at most 120 s
# (so a failed case leaves nothing running), its output in NAME.log; wait until
# it prints http://127.0.0.1:PORT/ and write NAME.pid and NAME.port.
# Used by tests/cli/2720-monitor.aiwb.
#
# SPDX-License-Identifier: GPL-3.0-or-later

name=$1
shift
: >"$name.log"
timeout 120 "$@" >>"$name.log" 2>&1 </dev/null &
echo $! >"$name.pid"
i=0
while [ $i -lt 100 ]; do
    port=$(sed -n 's|.*http://127\.0\.0\.1:\([0-9][0-9]*\)/.*|\1|p' "$name.log" | head -n 1)
    if [ -n "$port" ]; then
        echo "$port" >"$name.port"
        echo "$name started"
        exit 0
    fi
    sleep 0.1
    i=$((i + 1))
done
echo "$name did not start:"
cat "$name.log"
exit 1
