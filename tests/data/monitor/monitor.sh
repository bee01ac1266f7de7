#!/bin/sh
# monitor.sh NAME PATH 'ARGUMENTS' [AIWB OPTION...]: run
# `aiwb OPTIONS -c "monitor http://127.0.0.1:PORT/PATH ARGUMENTS"` against the
# server NAME started by serve.sh, and print what it prints with the port (which
# changes from run to run) shown as PORT and the length of a snapshot's window
# as N. Exits with aiwb's status. Used by tests/cli/2720-monitor.aiwb.
#
# SPDX-License-Identifier: GPL-3.0-or-later

name=$1
path=$2
args=$3
shift 3
port=$(cat "$name.port") || exit 1
aiwb "$@" -c "monitor http://127.0.0.1:$port$path $args" >monitor.out 2>&1
status=$?
sed -e "s/127\\.0\\.0\\.1:$port/127.0.0.1:PORT/g" \
    -e 's/: the last [0-9.e+-]* s$/: the last N s/' monitor.out
exit $status
