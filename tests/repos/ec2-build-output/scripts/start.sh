#!/bin/sh
exec /opt/app/app
