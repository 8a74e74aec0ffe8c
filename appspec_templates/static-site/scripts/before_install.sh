#!/bin/sh
# BeforeInstall: make room for the new site; the distribution's default site would hold the port.
set -eu
rm -f /etc/nginx/sites-enabled/default
mkdir -p /var/www/html
