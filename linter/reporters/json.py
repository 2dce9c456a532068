"""`--format json`: one object, {"version", "findings"}, findings sorted."""

from __future__ import annotations

from typing import TextIO

from linter import __version__
from linter.reporters import Report, dump_json


def render(report: Report, stream: TextIO) -> None:
    stream.write(dump_json({"version": __version__, "findings": [f.as_dict() for f in report.findings]}))
