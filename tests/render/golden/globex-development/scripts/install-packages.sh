#!/bin/sh
# Install the OS packages named in VEND_PACKAGES (space separated) with the image's package manager.
set -eu
packages="${VEND_PACKAGES:-}"
[ -n "$packages" ] || { echo "vend: no packages to install"; exit 0; }
# A fresh EC2 instance is still booting: cloud-init and unattended-upgrades hold the dpkg lock.
if command -v cloud-init >/dev/null 2>&1; then
    timeout 900 cloud-init status --wait >/dev/null || echo "vend: cloud-init did not finish cleanly; going on"
fi
if command -v apt-get >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    lock="-o DPkg::Lock::Timeout=600"  # wait for another apt/dpkg (apt >= 1.9.11) instead of failing
    # shellcheck disable=SC2086 # word splitting is wanted: options and one package per word
    apt-get $lock update -q
    # shellcheck disable=SC2086
    apt-get $lock install -y -q --no-install-recommends $packages
elif command -v dnf >/dev/null 2>&1; then
    # shellcheck disable=SC2086
    dnf install -y $packages
elif command -v yum >/dev/null 2>&1; then
    # shellcheck disable=SC2086
    yum install -y $packages
else
    echo "vend: no supported package manager (apt-get, dnf, yum) in this image" >&2
    exit 1
fi
