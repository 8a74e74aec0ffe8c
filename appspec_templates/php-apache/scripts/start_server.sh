#!/bin/sh
# ApplicationStart: start or gracefully reload Apache, with or without systemd.
set -eu
apache2ctl configtest
if [ -d /run/systemd/system ]; then
    systemctl reload-or-restart apache2
elif [ -s /var/run/apache2/apache2.pid ] && kill -0 "$(cat /var/run/apache2/apache2.pid)" 2>/dev/null; then
    apache2ctl graceful
else
    apache2ctl start
fi
