#!/bin/sh
# Install the OS packages named in VEND_PACKAGES (space separated) with the image's package manager.
set -eu
packages="${VEND_PACKAGES:-}"
[ -n "$packages" ] || { echo "vend: no packages to install"; exit 0; }
if command -v apt-get >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    # shellcheck disable=SC2086 # word splitting is wanted: one package per word
    apt-get install -y -q --no-install-recommends $packages
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
