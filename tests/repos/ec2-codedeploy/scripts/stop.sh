#!/bin/sh
systemctl stop web
