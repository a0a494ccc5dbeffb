"""Argument limits for the few ``formulas`` functions that compute with unbounded Python integers
or strings, so a hostile cell cannot stall a recompute or exhaust memory.

``formulas`` 1.3.4 evaluates ``ROUND(1, 1E300)`` as ``10 ** int(1e300)`` and ``FACT(1E7)`` with
``math.factorial``: each runs for hours. Excel has limits of its own, applied here before the call:
FACT above 170 and a PERMUT/PERMUTATIONA result above 1.8e308 overflow to ``#NUM!``; REPT longer
than 32,767 characters is ``#VALUE!`` (Microsoft's function reference). Rounding to more than 400
digits is rounding to 400 (``formulas`` already answers ``#VALUE!`` from 309 on). Each guard works
element by element, so a guarded function stays element-wise.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from formulas.tokens.operand import Error, XlError

from .values import MAX_TEXT

NUM = Error.errors["#NUM!"]
VALUE = Error.errors["#VALUE!"]
MAX_DIGITS = 400
MAX_FACT = 170
MAX_EXPONENT = math.log(1.7976931348623157e308)


def _number(v: Any) -> float | None:
    if isinstance(v, bool | np.bool_ | XlError | str) or v is None:
        return None
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def _each(fix: Callable[..., Any], *args: Any) -> Any:
    """``fix`` applied element by element (numpy broadcasting), as an object array."""
    return np.vectorize(fix, otypes=[object])(*args)


def _digits(d: Any) -> Any:
    n = _number(d)
    return MAX_DIGITS if n is not None and n > MAX_DIGITS else d


def _fact(n: Any) -> Any:
    x = _number(n)
    return NUM if x is not None and x > MAX_FACT else n


def _permut_count(n: Any, k: Any) -> Any:
    x, y = _number(n), _number(k)
    if x is None or y is None or x < 0 or y < 0 or y > x:
        return n
    size = math.lgamma(int(x) + 1) - math.lgamma(int(x) - int(y) + 1)
    return NUM if size > MAX_EXPONENT else n


def _power_count(n: Any, k: Any) -> Any:
    x, y = _number(n), _number(k)
    if x is None or y is None or x < 1 or y < 0:
        return n
    return NUM if int(y) * math.log(int(x)) > MAX_EXPONENT else n


def _rept_count(text: Any, times: Any) -> Any:
    y = _number(times)
    if y is not None and not isinstance(text, XlError) and len(str(text)) * y > MAX_TEXT:
        return VALUE
    return times


def _round(fn: Callable[..., Any]) -> Callable[..., Any]:
    def call(x: Any, d: Any = 0, *rest: Any) -> Any:
        return fn(x, _each(_digits, d), *rest)

    return call


def _fact_guard(fn: Callable[..., Any]) -> Callable[..., Any]:
    def call(n: Any, *rest: Any) -> Any:
        return fn(_each(_fact, n), *rest)

    return call


def _pair(check: Callable[[Any, Any], Any], swap: bool = False) -> Callable[..., Callable[..., Any]]:
    def guard(fn: Callable[..., Any]) -> Callable[..., Any]:
        def call(a: Any, b: Any, *rest: Any) -> Any:
            if swap:  # the checked argument is the second one
                return fn(a, _each(check, a, b), *rest)
            return fn(_each(check, a, b), b, *rest)

        return call

    return guard


GUARDS: dict[str, Callable[[Callable[..., Any]], Callable[..., Any]]] = {
    **dict.fromkeys(("ROUND", "ROUNDUP", "ROUNDDOWN", "TRUNC"), _round),
    "FACT": _fact_guard,
    "PERMUT": _pair(_permut_count),
    "_XLFN.PERMUT": _pair(_permut_count),
    "PERMUTATIONA": _pair(_power_count),
    "_XLFN.PERMUTATIONA": _pair(_power_count),
    "REPT": _pair(_rept_count, swap=True),
}


def guarded(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` behind its argument limits, or ``fn`` itself when it needs none."""
    guard = GUARDS.get(name)
    return guard(fn) if guard else fn
