#!/bin/sh
# Acme's own provisioning step: runs as root inside the image being baked.
set -eu
mkdir -p /etc/acme
echo "acme image baked by vend" > /etc/acme/release
