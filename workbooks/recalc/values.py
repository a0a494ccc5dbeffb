"""Cell values as the recompute holds them: what each kind is, what a cell shows, what is an error.

A value is a ``float`` (every number, dates included: Excel keeps serial numbers), a ``bool``, a
``str``, ``BLANK`` (``None``: an empty cell), or an ``XlError`` (``#DIV/0!`` and the other error
values, ECMA-376 Part 1 §18.17.7). ``MISSING`` marks an omitted function argument
(``MLSYS_TTFT(a,b,,2)``), which is not the same as an empty cell. Errors are Excel's error values
and the engine's ``#MLSYS! ...`` texts, except ``#MLSYS! does not fit: ...``, which
``mlsysim.macros`` defines as a value (the answer for a configuration that does not fit).
"""

from __future__ import annotations

import math
from typing import Any, Final

from mlsysim.macros.cells import ERROR_PREFIX, infeasible

MAX_TEXT = 32_767  # characters in one cell (Excel's specifications and limits)
BLANK: Final = None
INFEASIBLE = infeasible("")  # "#MLSYS! does not fit: ": an answer (the configuration does not fit)


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Final = _Missing()


class XlError:
    """One of Excel's error values; ``str()`` is its text. There is one object per code."""

    __slots__ = ("code",)

    def __init__(self, code: str) -> None:
        self.code = code

    def __str__(self) -> str:
        return self.code

    def __repr__(self) -> str:
        return f"XlError({self.code})"

    def __reduce__(self) -> tuple:
        return (error, (self.code,))


ERRORS: dict[str, XlError] = {
    code: XlError(code)
    for code in ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA")
}
ERRORS.update({c: XlError(c) for c in ("#SPILL!", "#CALC!")})
NULL, DIV0, VALUE, REF, NAME, NUM, NA = (
    ERRORS[c] for c in ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A")
)


def error(code: str) -> XlError:
    """The error value spelled ``code`` (``#VALUE!`` for an unknown spelling)."""
    return ERRORS.get(code.strip().upper(), VALUE)


def scalar(value: Any) -> Any:
    """The single value a formula cell shows for result ``value`` (arrays and references show
    their top-left cell; an empty result shows 0; inf/NaN are ``#NUM!``; text longer than a cell
    holds is ``#VALUE!``)."""
    first = getattr(value, "first", None)
    if first is not None:
        value = first()
    if value is None or value is MISSING:
        return 0.0
    kind = type(value)
    if kind is float:
        return value if math.isfinite(value) else NUM
    if kind is bool or kind is XlError:
        return value
    if kind is str:
        return value if len(value) <= MAX_TEXT else VALUE
    if isinstance(value, int | float):
        value = float(value)
        return value if math.isfinite(value) else NUM
    return VALUE


def is_error(value: Any) -> bool:
    """Excel's error values and ``#MLSYS!`` error texts; an infeasible configuration is a value."""
    if type(value) is XlError:
        return True
    return isinstance(value, str) and value.startswith(ERROR_PREFIX) and not value.startswith(INFEASIBLE)


def shown(value: Any) -> str:
    """The value as a message shows it."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return repr(value).removesuffix(".0") if value.is_integer() and abs(value) < 1e16 else repr(value)
    return str(value)
