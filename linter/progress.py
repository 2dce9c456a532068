"""The progress display of `pipelint check`: one line on stderr while a long run lints.

It is drawn only when stderr is a terminal, only once the run has lasted DELAY seconds
(a pre-commit hook or an editor never sees it), and erased before anything else is
printed, so it never mixes with the findings when stdout is the same terminal. rich is
imported only when the line is first drawn: a short run never pays for it. It is fed by
the run API's `on_file(done, total, display)` callback, in this process; it starts no
thread (worker processes are forked while it may be live).
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any, TextIO

DELAY = 1.0        # seconds a run lasts before the line appears
REFRESH = 0.1      # seconds between two redraws at most


def wanted(stream: TextIO | None = None) -> bool:
    """A progress display fits this stream: a terminal that can erase a line."""
    stream = stream if stream is not None else sys.stderr
    if os.environ.get("TERM") == "dumb" or os.environ.get("PIPELINT_PLAIN"):
        return False
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


class Progress:
    """Call it as the run's `on_file`; `close()` erases the line (call it before printing)."""

    def __init__(self, stream: TextIO | None = None, delay: float | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.delay = DELAY if delay is None else delay
        self.started = time.monotonic()
        self._shown: Any = None        # rich.progress.Progress once drawn
        self._task: Any = None
        self._drawn = 0.0

    def __call__(self, done: int, total: int, display: str) -> None:
        now = time.monotonic()
        if self._shown is None:
            if now - self.started < self.delay or done >= total:
                return
            self._start(total)
        elif now - self._drawn < REFRESH and done < total:
            return
        from linter.reporters import display_path, printable

        self._shown.update(self._task, completed=done, total=total, path=printable(display_path(display)))
        self._shown.refresh()
        self._drawn = now

    def _start(self, total: int) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress as Bar, TextColumn

        console = Console(file=self.stream, highlight=False, emoji=False, markup=False)
        self._shown = Bar(TextColumn("pipelint: linting", markup=False), BarColumn(), MofNCompleteColumn(),
                          TextColumn("{task.fields[path]}", markup=False),
                          console=console, transient=True, auto_refresh=False,
                          redirect_stdout=False, redirect_stderr=False)
        self._task = self._shown.add_task("", total=total, path="")
        self._shown.start()

    def close(self) -> None:
        """Erase the line (if it was drawn) and show the cursor again."""
        if self._shown is not None:
            shown, self._shown = self._shown, None
            shown.stop()
            self.stream.flush()
