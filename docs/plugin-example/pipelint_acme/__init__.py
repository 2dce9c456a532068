"""Acme's pipelint rules: an example rule pack (see ../README.md)."""
