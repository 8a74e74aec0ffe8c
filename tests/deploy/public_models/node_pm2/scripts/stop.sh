#!/bin/bash
pkill -f "node /home/app/node/server.js" || true
