#!/bin/sh
pkill -f app.jar || true
