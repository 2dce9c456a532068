"""`--format json`: one object, {"version", "findings"}, findings sorted."""

from __future__ import annotations

import json
from typing import TextIO

from linter import __version__
from linter.reporters import Report


def render(report: Report, stream: TextIO) -> None:
    json.dump({"version": __version__, "findings": [f.as_dict() for f in report.findings]},
              stream, indent=2, ensure_ascii=False)
    stream.write("\n")
