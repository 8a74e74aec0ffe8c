#!/bin/sh
# ValidateService: the site answers its health check locally, as the target group will ask it.
set -eu
url='http://127.0.0.1:80/health.php'
attempt=0
while [ "$attempt" -lt 30 ]; do
    if curl -fsS -o /dev/null "$url"; then
        echo "healthy: $url"
        exit 0
    fi
    attempt=$((attempt + 1))
    sleep 1
done
echo "unhealthy after 30 attempts: $url" >&2
exit 1
