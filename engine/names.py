"""Name handling at the edges: normalised keys and closest-match suggestions."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

_NOT_ALNUM = re.compile(r"[^0-9a-z]+")


def normalize(name: str) -> str:
    """Case- and punctuation-insensitive key: ``"H100-SXM"`` and ``"h100_sxm"`` both give ``"h100sxm"``."""
    return _NOT_ALNUM.sub("", name.lower())


def closest(name: str, candidates: Iterable[str], limit: int = 3) -> tuple[str, ...]:
    """The candidates that look most like ``name`` (compared on normalised keys), best first."""
    by_key: dict[str, str] = {}
    for candidate in candidates:
        by_key.setdefault(normalize(candidate), candidate)
    matches = difflib.get_close_matches(normalize(name), list(by_key), n=limit, cutoff=0.5)
    if not matches:
        key = normalize(name)
        matches = [k for k in by_key if key and (key in k or k in key)][:limit]
    return tuple(by_key[m] for m in matches)
