#!/bin/sh
systemctl start web
