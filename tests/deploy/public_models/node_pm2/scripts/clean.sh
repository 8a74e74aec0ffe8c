#!/bin/bash
rm -rf /home/app/node
