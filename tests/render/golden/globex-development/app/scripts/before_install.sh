#!/bin/sh
# BeforeInstall: the app directory exists and belongs to root.
set -eu
mkdir -p /opt/globex-app /var/log/globex-app
