"""Did-you-mean suggestions for misspelled names."""

from __future__ import annotations

import difflib
from typing import Iterable


def _norm(name: str) -> str:
    return name.lower().replace("-", "").replace("_", "").replace(" ", "")


def did_you_mean(word: str, candidates: Iterable[str], cutoff: float = 0.75) -> str | None:
    """The candidate `word` most likely meant, or None.

    Case, `-` and `_` are ignored first (`prebuild`, `pre-build` and `preBuild` all mean
    `pre_build`); then the closest spelling above `cutoff`.
    """
    options = [c for c in candidates if isinstance(c, str)]
    wanted = _norm(str(word))
    for option in options:
        if _norm(option) == wanted:
            return option
    by_norm = {_norm(o): o for o in options}
    close = difflib.get_close_matches(wanted, list(by_norm), n=1, cutoff=cutoff)
    return by_norm[close[0]] if close else None
