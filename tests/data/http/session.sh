#!/bin/sh
# session.sh - runs the steps of scripted sessions that fetch over HTTP
# (tests/cli/16xx-http-*.aiwb) against server.py on 127.0.0.1.
#
#   #!sh sh "$top_srcdir/tests/data/http/session.sh" start
#   #!sh sh "$top_srcdir/tests/data/http/session.sh" CASE [ARGS]
#   #!sh sh "$top_srcdir/tests/data/http/session.sh" stop
#
# start runs the server in the background (it stops by itself after two
# minutes if no step stops it) and writes its ports to server.port, so that
# the steps that follow, each a new aiwb, fetch from the same server. CASE
# runs `aiwb ARGS -f CASE` after writing the ports into the step's copy of
# CASE where it says @PORT@ (and @FULL@, the port whose connections are
# never established), and prints what aiwb printed with the ports written
# back as @PORT@ and @FULL@, so the output is the same on every run; it exits
# with aiwb's status. Without a server started before, CASE starts one for
# itself and stops it after. stop stops the server.
#
# SPDX-License-Identifier: GPL-3.0-or-later

here=$(dirname "$0")
# Straight to 127.0.0.1 whatever proxy the machine has.
unset http_proxy HTTP_PROXY https_proxy HTTPS_PROXY all_proxy ALL_PROXY
no_proxy='*'
export no_proxy

# start_server: run server.py in the background and wait for server.port.
start_server() {
    rm -f server.port
    python3 "$here/server.py" --port-file server.port --lifetime 120 \
        </dev/null >/dev/null 2>server.err &
    echo $! >server.pid
    tries=0
    while [ ! -s server.port ]; do
        tries=$((tries + 1))
        if [ $tries -gt 300 ] || ! kill -0 "$(cat server.pid)" 2>/dev/null; then
            echo "session.sh: the test server did not start:"
            cat server.err
            stop_server
            exit 99
        fi
        sleep 0.1
    done
}

stop_server() {
    if [ -s server.pid ]; then
        kill "$(cat server.pid)" 2>/dev/null
    fi
    rm -f server.pid server.port server.err
}

case $1 in
start)
    start_server
    exit 0
    ;;
stop)
    stop_server
    exit 0
    ;;
esac

case=$1
shift
if [ ! -s server.port ]; then
    start_server
    trap 'stop_server' EXIT
    trap 'exit 1' HUP INT TERM
fi
read -r port full rest <server.port
sed "s/@PORT@/$port/g; s/@FULL@/$full/g" "$case" >"$case.tmp" && mv "$case.tmp" "$case" || exit 99
aiwb "$@" -f "$case" >aiwb.out 2>&1
status=$?
sed "s/127\.0\.0\.1:$port/127.0.0.1:@PORT@/g; s/127\.0\.0\.1:$full/127.0.0.1:@FULL@/g" aiwb.out
rm -f aiwb.out
exit $status
