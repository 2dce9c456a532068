#!/bin/sh
systemctl stop orders || true
