#!/bin/sh
systemctl restart svc
