#!/bin/sh
# ApplicationStart: (re)load nginx with the new site, with or without systemd.
set -eu
nginx -t
if [ -d /run/systemd/system ]; then
    systemctl reload-or-restart nginx
elif [ -s /run/nginx.pid ] && kill -0 "$(cat /run/nginx.pid)" 2>/dev/null; then
    nginx -s reload
else
    nginx
fi
