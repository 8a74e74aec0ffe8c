#!/bin/sh
# The customer's provisioning step: runs as root in the image being baked.
set -eu
mkdir -p /opt/shop
printf 'release=%s\n' "${VEND_SOURCE_COMMIT}" > /opt/shop/RELEASE
rm -f /etc/motd
echo "shop: provisioned as $(id -un)"
