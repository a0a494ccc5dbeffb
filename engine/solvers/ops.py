"""The few non-arithmetic operations the solver cores use, for scalars or for numpy arrays.

Each solver's equations are written once, as a core function of plain numbers that uses only
arithmetic and these operations; the scalar solvers call it with ``SCALAR`` (Python floats) and
the vectorised sweeps (``mlsysim.sweeps``) with numpy's equivalents, so both paths evaluate the
same expressions in the same order. ``only(mask, f, *args)`` is ``f(*args)`` where ``mask`` holds and
0 elsewhere, evaluating ``f`` on those elements alone (for a term most sweep rows do not have).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, NamedTuple


class Ops(NamedTuple):
    maximum: Callable[[Any, Any], Any]
    minimum: Callable[[Any, Any], Any]
    where: Callable[[Any, Any, Any], Any]
    sqrt: Callable[[Any], Any]
    exp: Callable[[Any], Any]
    expm1: Callable[[Any], Any]
    log2: Callable[[Any], Any]
    ceil: Callable[[Any], Any]
    only: Callable[..., Any]
    log: Callable[[Any], Any]
    floor: Callable[[Any], Any]
    log1p: Callable[[Any], Any] = math.log1p  # the finance annuities, accurate at tiny rates


def _overflowing(fn: Callable[[float], float]) -> Callable[[float], float]:
    """``fn`` that answers inf where ``math`` raises OverflowError, as numpy does: a result too
    large for a float is then reported (``feasible=False``, JSON null), never a crash."""

    def call(x: float) -> float:
        try:
            return fn(x)
        except OverflowError:
            return math.inf

    return call


SCALAR = Ops(
    maximum=max,
    minimum=min,
    where=lambda condition, yes, no: yes if condition else no,
    sqrt=math.sqrt,
    exp=_overflowing(math.exp),
    expm1=_overflowing(math.expm1),
    log2=math.log2,
    ceil=math.ceil,
    only=lambda mask, f, *args: f(*args) if mask else 0.0,
    log=math.log,
    floor=lambda x: float(math.floor(x)) if math.isfinite(x) else x,
)
