#!/bin/bash
set -e
mkdir -p /home/app/proxy
printf "server { listen 80; location / { proxy_pass http://127.0.0.1:8000; } }\n" > /home/app/proxy/app.conf
echo "proxy config written"
