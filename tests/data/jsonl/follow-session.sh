#!/bin/sh
# follow-session.sh - drives one aiwb session that follows a growing log, for
# tests/cli/1402-jsonl-follow.aiwb: aiwb reads its commands from a fifo, and
# the log is appended to, truncated and rotated between them. After each
# command comes `help quit`, whose "usage: quit" line says the command is
# done (aiwb flushes its output after every line); those lines are dropped
# from what is shown. aiwb stops at the first command that fails, as it
# does with any script. Run in an empty folder, with `aiwb` on the PATH.
#
# SPDX-License-Identifier: GPL-3.0-or-later

log=log.jsonl
done_count=0
trap '' PIPE # a write after aiwb stopped fails instead of killing us
mkfifo commands || exit 99
aiwb >out 2>&1 <commands &
pid=$!
exec 3>commands

# run COMMAND: send it and wait until aiwb has finished it (2 minutes at
# most: aiwb may run under valgrind).
run() {
    kill -0 "$pid" 2>/dev/null || return 0
    printf '%s\nhelp quit\n' "$1" >&3 2>/dev/null
    done_count=$((done_count + 1))
    tries=0
    while [ "$(grep -c '^usage: quit$' out)" -lt "$done_count" ]; do
        kill -0 "$pid" 2>/dev/null || return 0 # it stopped at an error
        tries=$((tries + 1))
        if [ "$tries" -gt 1200 ]; then
            echo "aiwb did not finish '$1'"
            kill "$pid"
            exit 1
        fi
        sleep 0.1
    done
}

printf '%s\n' \
    '{"ts":"10:00:01","model":"m1","input":{"age":31,"income":42000.5},"p":[0.29,0.71],"ok":true}' \
    '{"ts":"10:00:02","model":"m1","input":{"age":58,"income":null},"p":[0.88,0.12],"ok":false}' >$log
run "load log $log follow=true"
run "describe log"

# a line and the start of another: the first joins, its new key ignored;
# the other waits for its end
printf '%s\n%s' \
    '{"ts":"10:00:03","model":"m2","input":{"age":44,"income":51000,"region":"eu"},"p":[0.5,0.5],"ok":true}' \
    '{"ts":"10:00:04","model":"m2","input":{"age":' >>$log
run "head log"
# its end, and a line with text in a numeric column (read as missing)
printf '%s\n%s\n' '23,"income":39000},"p":[0.7,0.3],"ok":true}' \
    '{"ts":"10:00:05","model":"m1","input":{"age":"n/a"},"p":[0.6,0.4]}' >>$log
run "head log"

# nothing new: the dataset stays as it is
run "head log 2"

# rotated: the old file renamed, a new one started
mv $log $log.1
printf '%s\n' '{"ts":"10:01:00","model":"m3","input":{"age":37,"income":61000},"p":[0.1,0.9],"ok":true}' >$log
run "head log"

# a malformed line: the command that uses the dataset fails with its place,
# and aiwb, reading a script, stops there
printf '%s\n%s\n' '{"ts":"10:01:01","model":"m3",}' \
    '{"ts":"10:01:02","model":"m3","input":{"age":29,"income":33000},"p":[0.4,0.6],"ok":false}' >>$log
run "describe log"

exec 3>&-
wait "$pid"
rc=$?
grep -v -e '^usage: quit$' -e '^leave aiwb' out
exit $rc
