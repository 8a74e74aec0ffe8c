#!/bin/bash
cd /home/app
echo "starting the app server"
exec python3 app.py
