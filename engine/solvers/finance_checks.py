"""Argument checks of the finance layer, each naming the argument, its value and the valid range."""

from __future__ import annotations

import math
from typing import Any

from ..errors import InvalidInputError

__all__ = ["fraction_below_one", "rate_above_minus_one", "utilization"]


def _number(argument: str, value: Any, valid: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidInputError(argument, value, valid)
    return float(value)


def utilization(value: Any, argument: str = "utilization") -> float:
    """A fraction of time busy in (0, 1]: 0 would make every per-token cost infinite."""
    valid = "a fraction of time busy, greater than 0 and at most 1 (e.g. 0.6 for 60 %)"
    number = _number(argument, value, valid)
    if not 0.0 < number <= 1.0:
        raise InvalidInputError(argument, value, valid)
    return number


def rate_above_minus_one(argument: str, value: Any) -> float:
    """An annual rate as a fraction (0.08 for 8 %), greater than -100 %."""
    valid = "an annual rate as a fraction (0.08 for 8 %), greater than -1 (-100 %)"
    number = _number(argument, value, valid)
    if number <= -1.0:
        raise InvalidInputError(argument, value, valid)
    return number


def fraction_below_one(argument: str, value: Any) -> float:
    """A share in [0, 1) (a residual value: 0 when worthless, never the full price)."""
    valid = "a fraction of the purchase price, at least 0 and below 1"
    number = _number(argument, value, valid)
    if not 0.0 <= number < 1.0:
        raise InvalidInputError(argument, value, valid)
    return number
