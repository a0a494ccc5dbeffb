"""Values at the Excel edge: what a cell may pass in, and the error text a cell shows.

A function never raises into Excel. Bad input becomes a text value starting with ``#MLSYS!`` that
names the argument, the value and what is valid, e.g.
``#MLSYS! unknown hardware 'H10' — did you mean H100?``. Spreadsheet formulas can test for it with
``LEFT(cell, 7) = "#MLSYS!"``; Python callers with ``is_error``.
"""

from __future__ import annotations

import math
from typing import Any

from mlsysim.errors import InvalidInputError, MlsysimError

ERROR_PREFIX = "#MLSYS!"

# Excel's error values, as xlwings passes them with err_to_str=True and the formulas engine's XlError
# (a str subclass) spells them.
EXCEL_ERRORS = frozenset(
    {"#N/A", "#VALUE!", "#REF!", "#DIV/0!", "#NUM!", "#NAME?", "#NULL!", "#GETTING_DATA", "#SPILL!", "#CALC!"}
)


def is_error(value: Any) -> bool:
    """True for a result that is an MLSYS error value."""
    return isinstance(value, str) and value.startswith(ERROR_PREFIX)


def error_text(exc: BaseException) -> str:
    """The cell text for an exception: the engine's message, or the kind of an unexpected failure."""
    if isinstance(exc, MlsysimError):
        return f"{ERROR_PREFIX} {exc}"
    return f"{ERROR_PREFIX} internal error ({type(exc).__name__}: {exc}); please report it"


def is_missing(value: Any) -> bool:
    """An omitted argument or an empty cell."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    return isinstance(value, float) and math.isnan(value)


def check_not_error(argument: str, value: Any) -> None:
    if isinstance(value, str) and value.strip() in EXCEL_ERRORS:
        raise InvalidInputError(argument, str(value), "the cell holds an Excel error; fix that cell first")


def number(argument: str, value: Any) -> float:
    """A number from a cell (Excel passes floats); text, booleans and errors are refused."""
    check_not_error(argument, value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInputError(argument, value, "expected a number")
    if not math.isfinite(value):
        raise InvalidInputError(argument, value, "expected a finite number")
    return float(value)


def text(argument: str, value: Any) -> str:
    check_not_error(argument, value)
    if not isinstance(value, str):
        raise InvalidInputError(argument, value, "expected text")
    return value.strip()


def out_of_range() -> str:
    """The cell text when the inputs are so large that the result is not a finite number."""
    return f"{ERROR_PREFIX} out of range: the result is not a finite number; check the inputs' magnitudes"


def infeasible(constraint: str) -> str:
    """The cell text for a configuration that does not fit (a value, not a failure of the call)."""
    return f"{ERROR_PREFIX} does not fit: {constraint}"
