"""pipelint: a linter and policy checker for the configuration of AWS delivery pipelines."""

__version__ = "0.1.0"

REPOSITORY = "https://github.com/pipelint/pipelint"
RULES_DOC = f"{REPOSITORY}/blob/main/docs/rules.md"


def rule_url(rule_id: str) -> str:
    """Where a rule's documentation is (docs/rules.md, one anchor per rule)."""
    return f"{RULES_DOC}#{rule_id.lower()}"


def package_text(package: str, name: str) -> str:
    """A data file shipped inside one of our packages (linter.schemas, linter.data). Read from
    the package's folder: importlib.resources would cost 10 ms of imports at every start."""
    import importlib
    import os

    folder = os.path.dirname(importlib.import_module(package).__file__)
    with open(os.path.join(folder, name), encoding="utf-8") as f:
        return f.read()


def sha256(data: bytes = b""):
    """hashlib.sha256 without importing hashlib, which loads OpenSSL: 4 ms at every start, for
    digests of a few KB (the builtin module is the one hashlib falls back to)."""
    try:
        from _sha256 import sha256 as new  # Python 3.10, 3.11
    except ImportError:
        try:
            from _sha2 import sha256 as new  # 3.12 and later
        except ImportError:
            from hashlib import sha256 as new
    return new(data)
