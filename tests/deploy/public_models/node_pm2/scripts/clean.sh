#!/bin/bash
rm -rf /home/ubuntu/node-app
