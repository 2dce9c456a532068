"""pipelint's built-in rule packs (installed as `linter.rules`), one module per family."""
