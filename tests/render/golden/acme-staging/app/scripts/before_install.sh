#!/bin/sh
# BeforeInstall: point Apache's default site at the app port and use vend's ports file.
set -eu
sed -i 's/<VirtualHost \*:[0-9]*>/<VirtualHost *:80>/' /etc/apache2/sites-available/000-default.conf
if ! grep -q 'vend-ports.conf' /etc/apache2/apache2.conf; then
    sed -i 's|^Include ports.conf|Include vend-ports.conf|' /etc/apache2/apache2.conf
fi
rm -f /var/www/html/index.html
# On EC2 the image's writer refreshes the env file from Parameter Store and Secrets Manager
# (vend's own rollout has already written it before this hook).
if [ -x /usr/local/sbin/vend-env-file ]; then /usr/local/sbin/vend-env-file; fi
