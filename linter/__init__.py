"""pipelint: a linter and policy checker for the configuration of AWS delivery pipelines."""

__version__ = "0.1.0"

REPOSITORY = "https://github.com/pipelint/pipelint"
RULES_DOC = f"{REPOSITORY}/blob/main/docs/rules.md"


def rule_url(rule_id: str) -> str:
    """Where a rule's documentation is (docs/rules.md, one anchor per rule)."""
    return f"{RULES_DOC}#{rule_id.lower()}"
