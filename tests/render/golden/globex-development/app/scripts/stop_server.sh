#!/bin/sh
# ApplicationStop (from the last successful revision): stop the running app, if any.
set -eu
pidfile=/run/globex-app.pid
if [ -s "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    kill "$(cat "$pidfile")"
    attempt=0
    while kill -0 "$(cat "$pidfile")" 2>/dev/null && [ "$attempt" -lt 50 ]; do
        attempt=$((attempt + 1))
        sleep 0.1
    done
    echo "stopped globex-app"
fi
rm -f "$pidfile"
