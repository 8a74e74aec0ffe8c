#!/bin/sh
# Move the files and directories uploaded to /tmp/vend-files/NN-NAME into place. VEND_FILES lists
# "N:DESTINATION" pairs, one per line; destinations are absolute paths from the customer config.
set -eu
printf '%s\n' "${VEND_FILES:-}" | while IFS= read -r entry; do
    [ -n "$entry" ] || continue
    index="${entry%%:*}"
    destination="${entry#*:}"
    set -- "/tmp/vend-files/$(printf '%02d' "$index")-"*
    if [ "$#" -ne 1 ] || [ ! -e "$1" ]; then
        echo "vend: upload $index for $destination is missing from /tmp/vend-files" >&2
        exit 1
    fi
    mkdir -p "$(dirname "$destination")"
    rm -rf "$destination"
    cp -a "$1" "$destination"
    chown -R root:root "$destination"
    echo "vend: installed $destination"
done
rm -rf /tmp/vend-files
