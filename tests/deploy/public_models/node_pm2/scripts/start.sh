#!/bin/bash
cd /home/app/node
setsid nohup node /home/app/node/server.js > /var/log/node-app.log 2>&1 < /dev/null &
echo "node app started"
