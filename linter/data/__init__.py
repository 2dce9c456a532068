"""Data files the rules read at run time (installed as package data)."""
