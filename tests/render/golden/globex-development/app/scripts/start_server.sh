#!/bin/sh
# ApplicationStart: run the app in the background, detached from this hook's output.
set -eu
cd /opt/globex-app
setsid python3 app.py 8080 </dev/null >>/var/log/globex-app/app.log 2>&1 &
echo $! > /run/globex-app.pid
echo "started globex-app (pid $(cat /run/globex-app.pid)) on port 8080"
