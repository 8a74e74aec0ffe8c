#!/bin/sh
echo "environment file updated"
