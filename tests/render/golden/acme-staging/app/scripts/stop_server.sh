#!/bin/sh
# ApplicationStop (from the last successful revision): Apache keeps serving during the install
# and is reloaded by ApplicationStart, so nothing is stopped.
set -eu
echo "php-apache: apache stays up during the install"
