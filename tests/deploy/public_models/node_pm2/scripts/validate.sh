#!/bin/bash
for i in $(seq 1 50); do
  if out=$(curl -fsS http://127.0.0.1:3000/); then echo "$out"; exit 0; fi
  sleep 0.2
done
echo "node app does not answer"; exit 1
