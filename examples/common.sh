# common.sh - what the walk-throughs share: finding aiwb, a workspace, and
# starting and stopping an exported server. Sourced, not run.
#
# SPDX-License-Identifier: GPL-3.0-or-later

here=$(cd "$(dirname "$0")" && pwd)
if [ -n "${AIWB:-}" ]; then
    aiwb=$AIWB
elif [ -x "$here/../src/aiwb" ]; then
    aiwb=$here/../src/aiwb
else
    aiwb=$(command -v aiwb) || { echo "no aiwb: build it, or set AIWB" >&2; exit 1; }
fi
work=${WORK:-$(mktemp -d "${TMPDIR:-/tmp}/aiwb-example.XXXXXX")}
mkdir -p "$work"
ws=$work/workspace.db
server_pid=

# say TEXT: a step of the walk-through, as a heading.
say() { printf '\n== %s\n' "$*"; }

# wb COMMANDS: run aiwb commands in the example's workspace, echoing them.
wb() {
    printf '$ aiwb -c %s\n' "'$*'"
    "$aiwb" -w "$ws" -c "$*"
}

# serve DIR [OPTION...]: start DIR/aiwb-server on a free port; sets $url.
serve() {
    dir=$1
    shift
    # The file exists before the server starts: the loop below may read it
    # before the background shell has opened it.
    : > "$work/server.err"
    "$dir/aiwb-server" --port 0 --threads 1 "$@" 2>> "$work/server.err" &
    server_pid=$!
    url=
    # up to a minute: a loaded machine (or a sanitizer build) starts slowly
    for _ in $(seq 600); do
        url=$(sed -n 's|.* on \(http://[0-9.]*:[0-9]*\)/.*|\1|p' "$work/server.err") || url=
        [ -n "$url" ] && break
        sleep 0.1
    done
    [ -n "$url" ] || { echo "the server did not start:" >&2; cat "$work/server.err" >&2; exit 1; }
    echo "server at $url (pid $server_pid)"
}

# unserve: SIGTERM, which drains the requests under way; the exit status is 0.
unserve() {
    [ -n "$server_pid" ] || return 0
    kill -TERM "$server_pid"
    wait "$server_pid"
    status=$?
    server_pid=
    echo "server stopped (exit status $status)"
    return "$status"
}
trap 'if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null; fi' EXIT

# post PATH JSON: POST to the server, printing the answer.
post() {
    curl -sS -H 'Content-Type: application/json' -d "$2" "$url$1"
    echo
}
