"""Argument checks shared by the solvers: each names the argument, its value and the valid range."""

from __future__ import annotations

import math
from typing import Any

from ..errors import InvalidInputError

_NUMBERS = (int, float)


def whole(argument: str, value: Any, minimum: int = 1) -> int:
    """A whole number >= ``minimum`` (floats such as 4.0 are accepted, 4.5 is not)."""
    if type(value) is int and value >= minimum:  # the common cases, checked first for speed
        return value
    if type(value) is float and value.is_integer() and value >= minimum:  # Excel's numbers are floats
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidInputError(argument, value, f"expected a whole number >= {minimum}")
    if value != int(value) or value < minimum:
        raise InvalidInputError(argument, value, f"expected a whole number >= {minimum}")
    return int(value)


def positive(argument: str, value: Any) -> float:
    """A finite number > 0."""
    if type(value) in _NUMBERS and 0 < value < math.inf:
        return float(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInputError(argument, value, "expected a positive number")
    if not (value > 0 and math.isfinite(value)):
        raise InvalidInputError(argument, value, "expected a positive, finite number")
    return float(value)


def non_negative(argument: str, value: Any) -> float:
    """A finite number >= 0."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInputError(argument, value, "expected a number >= 0")
    if not (value >= 0 and math.isfinite(value)):
        raise InvalidInputError(argument, value, "expected a finite number >= 0")
    return float(value)


def one_of(argument: str, value: Any, allowed: tuple[Any, ...]) -> Any:
    if value not in allowed:
        raise InvalidInputError(argument, value, f"expected one of {', '.join(map(str, allowed))}")
    return value


def size_text(size: float) -> str:
    """Bytes for a message, in the unit that keeps them readable: 8.0 MB on an edge TPU, 80.0 GB on a
    GPU (decimal units, as datasheets state memory)."""
    for unit, scale in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{size:.0f} B"


def finite_or_infeasible(estimate: Any) -> Any:
    """``estimate`` (a NamedTuple with ``feasible`` and ``constraint``), marked infeasible when a
    result is not a finite number: inputs so large that a cost or a time overflows a float give no
    usable answer, and must not read as feasible."""
    overflowed = [
        name
        for name, value in zip(estimate._fields, estimate, strict=True)
        if isinstance(value, float) and not math.isfinite(value)
    ]
    if not overflowed or not estimate.feasible:
        return estimate
    return estimate._replace(
        feasible=False,
        constraint=f"{', '.join(overflowed)} overflow a float: the inputs' magnitudes are too large",
    )
