"""Did-you-mean suggestions for misspelled names."""

from __future__ import annotations

import difflib
import functools
from typing import Iterable


def _norm(name: str) -> str:
    return name.lower().replace("-", "").replace("_", "").replace(" ", "")


def did_you_mean(word: str, candidates: Iterable[str], cutoff: float = 0.75) -> str | None:
    """The candidate `word` most likely meant, or None.

    Case, `-` and `_` are ignored first (`prebuild`, `pre-build` and `preBuild` all mean
    `pre_build`); then the closest spelling above `cutoff`.
    """
    first, by_norm = _prepared(tuple(c for c in candidates if isinstance(c, str)))
    wanted = _norm(str(word))
    if wanted in first:
        return first[wanted]
    return _closest(wanted, by_norm, cutoff)


# perf: the same candidates (a schema's keys, a folder's listing) are asked about again and
# again: normalised once, and each answer is kept (both are pure functions of their input)
@functools.lru_cache(maxsize=256)
def _prepared(options: tuple[str, ...]) -> tuple[dict[str, str], _Frozen]:
    first: dict[str, str] = {}
    by_norm: dict[str, str] = {}
    for option in options:
        norm = _norm(option)
        first.setdefault(norm, option)
        by_norm[norm] = option
    return first, _Frozen(by_norm)


class _Frozen(dict):
    """A dict that hashes by identity (it is never changed once made), for lru_cache."""

    __hash__ = object.__hash__  # type: ignore[assignment]

    def __eq__(self, other: object) -> bool:
        return self is other


@functools.lru_cache(maxsize=1024)
def _closest(wanted: str, by_norm: _Frozen, cutoff: float) -> str | None:
    close = difflib.get_close_matches(wanted, list(by_norm), n=1, cutoff=cutoff)
    return by_norm[close[0]] if close else None
