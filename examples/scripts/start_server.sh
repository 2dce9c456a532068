#!/bin/sh
systemctl start orders
