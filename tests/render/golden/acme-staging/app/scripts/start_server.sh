#!/bin/sh
# ApplicationStart: start or gracefully reload Apache, with or without systemd.
set -eu
apache2ctl configtest
if [ -d /run/systemd/system ]; then
    systemctl reload-or-restart apache2
else
    apache2ctl graceful 2>/dev/null || apache2ctl start
fi
