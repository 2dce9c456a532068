"""pipelint: a linter and policy checker for the configuration of AWS delivery pipelines."""

__version__ = "0.1.0"
