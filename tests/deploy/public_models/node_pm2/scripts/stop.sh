#!/bin/bash
pm2 delete node-app
