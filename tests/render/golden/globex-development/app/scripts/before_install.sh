#!/bin/sh
# BeforeInstall: the app directory exists and belongs to root.
set -eu
mkdir -p /opt/globex-app /var/log/globex-app
# On EC2 the image's writer refreshes the env file from Parameter Store and Secrets Manager
# (vend's own rollout has already written it before this hook).
if [ -x /usr/local/sbin/vend-env-file ]; then /usr/local/sbin/vend-env-file; fi
