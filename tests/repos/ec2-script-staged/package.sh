#!/bin/sh
set -e
rm -rf dist
install -d dist/scripts
cp deploy/appspec.yml dist/
cp deploy/scripts/*.sh dist/scripts/
