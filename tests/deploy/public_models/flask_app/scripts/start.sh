#!/bin/bash
cd /srv/flask-app
nohup python3 app.py &
echo "flask app started"
