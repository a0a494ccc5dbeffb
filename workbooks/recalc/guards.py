"""Argument limits for the few ``formulas`` functions that compute with unbounded Python integers,
so a hostile cell cannot stall a recompute or exhaust memory.

``formulas`` 1.3.4 evaluates ``FACT(1E7)`` with ``math.factorial`` and PERMUT/PERMUTATIONA with
unbounded integers: each runs for hours. Excel has limits of its own (Microsoft's function
reference): FACT above 170 and a PERMUT/PERMUTATIONA result above 1.8e308 overflow to ``#NUM!``.
The check runs on the recompute's own values before the adapter calls ``formulas``; an array
argument is refused when any of its numbers is. (ROUND, TRUNC and REPT are native, with Excel's
limits, in ``fn_scalar``.)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import Any

from .arrays import Area, Arr

MAX_FACT = 170
MAX_EXPONENT = math.log(1.7976931348623157e308)


def _numbers(value: Any) -> Iterator[float]:
    if isinstance(value, Area | Arr):
        value = Arr.of(value)
        yield from (v for v in value.values() if type(v) is float)
    elif type(value) is float:
        yield value


def _fact(n: float, _k: float = 0.0) -> bool:
    return n > MAX_FACT


def _permut(n: float, k: float) -> bool:
    if n < 0 or k < 0 or k > n:
        return False
    return math.lgamma(int(n) + 1) - math.lgamma(int(n) - int(k) + 1) > MAX_EXPONENT


def _power(n: float, k: float) -> bool:
    return n >= 1 and k >= 0 and int(k) * math.log(int(n)) > MAX_EXPONENT


LIMITS: dict[str, Callable[..., bool]] = {
    "FACT": _fact,
    "PERMUT": _permut,
    "PERMUTATIONA": _power,
}


def refused(name: str, args: tuple[Any, ...]) -> bool:
    """Whether ``name``'s arguments exceed Excel's limits (the call's answer is then ``#NUM!``)."""
    check = LIMITS.get(name.upper().removeprefix("_XLFN."))
    if check is None or not args:
        return False
    firsts = list(_numbers(args[0]))
    seconds = list(_numbers(args[1])) if len(args) > 1 else [0.0]
    return any(check(a, b) for a in firsts for b in seconds[:1000])
