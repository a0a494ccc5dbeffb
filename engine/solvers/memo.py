"""Memoising a function of frozen specs by the identity of its arguments.

A fleet's figures for a training step (its peaks, links and usable memory) or its failure rates are
the same for every layout and every run on it; the scalar path recomputes them on every call
otherwise. Specs are frozen dataclasses but not hashable (they hold dicts), so the cache is keyed
by the arguments' identities and keeps the arguments themselves, so an identity cannot be reused
while its entry lives. The cache is small and cleared when full.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

R = TypeVar("R")
SIZE = 256


def by_identity(fn: Callable[..., R]) -> Callable[..., R]:
    """``fn`` memoised on the identities of its positional arguments (frozen specs, enums)."""
    cache: dict[tuple[int, ...], tuple[tuple[Any, ...], R]] = {}

    @functools.wraps(fn)
    def memoised(*args: Any) -> R:
        key = tuple(map(id, args))
        hit = cache.get(key)
        if hit is not None:
            return hit[1]
        result = fn(*args)
        if len(cache) >= SIZE:
            cache.clear()
        cache[key] = (args, result)
        return result

    memoised.cache_clear = cache.clear  # type: ignore[attr-defined]
    return memoised


__all__ = ["by_identity"]
