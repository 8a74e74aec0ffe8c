#!/bin/bash
set -e
cd /home/ubuntu/node-app
pm2 start server.js --name node-app
pm2 save
sudo env PATH="$PATH:/usr/bin" pm2 startup systemd -u ubuntu --hp /home/ubuntu
