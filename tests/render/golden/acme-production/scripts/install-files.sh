#!/bin/sh
# Move the files uploaded to /tmp/vend-files/N into place. VEND_FILES lists "N:DESTINATION" pairs,
# one per line; destinations are absolute paths from the customer config.
set -eu
printf '%s\n' "${VEND_FILES:-}" | while IFS= read -r entry; do
    [ -n "$entry" ] || continue
    index="${entry%%:*}"
    destination="${entry#*:}"
    mkdir -p "$(dirname "$destination")"
    rm -rf "$destination"
    cp -a "/tmp/vend-files/$index" "$destination"
    chown -R root:root "$destination"
    echo "vend: installed $destination"
done
rm -rf /tmp/vend-files
