#!/bin/sh
# ApplicationStop (from the last successful revision): nothing to stop for a static site;
# nginx keeps serving until the new files are in place and it is reloaded.
set -eu
echo "static site: nginx stays up during the install"
