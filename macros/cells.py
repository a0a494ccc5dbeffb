"""Values at the Excel edge: what a cell may pass in, and the error text a cell shows.

A function never raises into Excel. Bad input becomes a text value starting with ``#MLSYS!`` that
names the argument, the value and what is valid, e.g.
``#MLSYS! unknown hardware 'H10' — did you mean H100?``. Spreadsheet formulas can test for it with
``LEFT(cell, 7) = "#MLSYS!"``; Python callers with ``is_error``.

What each runtime passes for one cell (``tests/macros/test_macros_xlwings_replay.py`` replays
xlwings' own conversion code for each):

- numbers: ``float`` (classic add-in, ``formulas``), ``int`` or ``float`` (xlwings Lite and Server,
  from JSON), ``decimal.Decimal`` for a Currency- or Accounting-formatted cell (classic add-in:
  pywin32 turns COM's VT_CY into ``Decimal``), numpy scalars (``formulas``, Python callers).
  ``number`` accepts all of them; ``bool`` is never a number.
- dates and times: ``datetime`` in the classic add-in (COM's VT_DATE), the bare serial number in
  Lite and Server (Office.js does not mark a date). ``number(..., dates=True)`` reads a date as
  its serial, the number of days since 1899-12-30, the same number the other runtimes pass;
  anywhere else a date is refused (``DATE_RULE``).
- errors: their name as text (``"#N/A"``: classic add-in with ``err_to_str`` for the seven it
  knows, Lite and Server for all, ``formulas``'s ``XlError``), or, in the classic add-in, the raw
  COM error code for the errors xlwings does not name (``#SPILL!`` arrives as -2146826243).
  ``error_name`` maps both to the name, and every function reports it as that argument's error.
"""

from __future__ import annotations

import datetime as dt
import math
import numbers
from decimal import Decimal
from typing import Any

from mlsysim.errors import InvalidInputError, MlsysimError

ERROR_PREFIX = "#MLSYS!"

# Excel's error values as a cell shows them. The first eight are the error literals of the file
# format ([MS-XLSB] 2.5.97.2 BErr); the others are the newer ones of Excel for Microsoft 365, named
# after Office.js ``Excel.ErrorCellValueType`` (ExcelApi 1.16: Blocked, Busy, Calc, Connect,
# External, Field, Python, Spill, TimeOut) and Microsoft's "#UNKNOWN! error" support article.
ERROR_NAMES = (
    "#NULL!",
    "#DIV/0!",
    "#VALUE!",
    "#REF!",
    "#NAME?",
    "#NUM!",
    "#N/A",
    "#GETTING_DATA",
    "#SPILL!",
    "#CALC!",
    "#FIELD!",
    "#CONNECT!",
    "#BLOCKED!",
    "#UNKNOWN!",
    "#BUSY!",
    "#EXTERNAL!",
    "#PYTHON!",
    "#TIMEOUT!",
)
EXCEL_ERRORS = frozenset(ERROR_NAMES)

# Excel's cell error numbers (``XlCVError``: Microsoft, "XlCVError enumeration (Excel)", which lists
# xlErrNull 2000 ... xlErrNA 2042 and xlErrSpill 2045; the others are the members of the same
# enumeration in Excel 365's type library). Through COM a cell error is a VT_ERROR whose SCODE is
# 0x800A0000 + that number; pywin32 passes it as a negative int and xlwings names only the first seven.
XL_CV_ERRORS = {
    2000: "#NULL!",
    2007: "#DIV/0!",
    2015: "#VALUE!",
    2023: "#REF!",
    2029: "#NAME?",
    2036: "#NUM!",
    2042: "#N/A",
    2043: "#GETTING_DATA",
    2045: "#SPILL!",
    2046: "#CONNECT!",
    2047: "#BLOCKED!",
    2048: "#UNKNOWN!",
    2049: "#FIELD!",
    2050: "#CALC!",
}
SCODE_BASE = -2146828288  # 0x800A0000 as a signed 32-bit integer
# SCODEs of every cell error number Excel may add (2000-2099): an int in this range is an error
FIRST_SCODE, LAST_SCODE = SCODE_BASE + 2000, SCODE_BASE + 2099

# The date system of the classic add-in's dates (COM's VT_DATE): days since 1899-12-30. Excel's
# own serials agree with it from 1900-03-01 on and for periods (values below 60 are days, as here).
DATE_EPOCH = dt.datetime(1899, 12, 30)
DATE_RULE = (
    "a date or time cell counts as a number of days (its Excel serial) only where the argument is a "
    "number of days; pass a plain number here"
)


def is_error(value: Any) -> bool:
    """True for a result that is an MLSYS error value."""
    return isinstance(value, str) and value.startswith(ERROR_PREFIX)


def error_text(exc: BaseException) -> str:
    """The cell text for an exception: the engine's message, or the kind of an unexpected failure."""
    if isinstance(exc, MlsysimError):
        return f"{ERROR_PREFIX} {exc}"
    return f"{ERROR_PREFIX} internal error ({type(exc).__name__}: {exc}); please report it"


def error_name(value: Any) -> str | None:
    """The name of the Excel error ``value`` stands for (its text, or a COM error code), else None."""
    kind = type(value)
    if kind is int or (isinstance(value, int) and kind is not bool):
        if FIRST_SCODE <= value <= LAST_SCODE:
            number = value - SCODE_BASE
            return XL_CV_ERRORS.get(number, f"#ERROR {number}")
        return None
    if isinstance(value, str):
        name = value.strip()
        return name if name in EXCEL_ERRORS else None
    return None


def is_missing(value: Any) -> bool:
    """An omitted argument or an empty cell."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    return isinstance(value, float) and math.isnan(value)


def check_not_error(argument: str, value: Any) -> None:
    name = error_name(value)
    if name is not None:
        raise InvalidInputError(argument, name, "the cell holds an Excel error; fix that cell first")


def serial(value: dt.date) -> float:
    """A date or date-time as Excel's serial number: days since 1899-12-30, time as the fraction."""
    if not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day)
    return (value.replace(tzinfo=None) - DATE_EPOCH) / dt.timedelta(days=1)


def number(argument: str, value: Any, *, dates: bool = False) -> float:
    """A number from a cell: float, int, Decimal (Currency) or numpy scalar; a date only with
    ``dates`` (as its serial). Text, booleans, errors and non-finite numbers are refused."""
    check_not_error(argument, value)
    if isinstance(value, bool) or not isinstance(value, numbers.Real | Decimal):
        if isinstance(value, dt.date | dt.time):
            if dates and isinstance(value, dt.date):
                return serial(value)
            raise InvalidInputError(argument, str(value), DATE_RULE)
        raise InvalidInputError(argument, value, "expected a number")
    if isinstance(value, Decimal) and value.is_nan():  # float() raises on a signalling NaN
        raise InvalidInputError(argument, value, "expected a finite number")
    result = float(value)
    if not math.isfinite(result):
        raise InvalidInputError(argument, value, "expected a finite number")
    return result


def text(argument: str, value: Any) -> str:
    check_not_error(argument, value)
    if not isinstance(value, str):
        raise InvalidInputError(argument, value, "expected text")
    return value.strip()


# Cell values that need no conversion (``plain``); anything else is looked at once.
_PLAIN = frozenset({float, str, bool, type(None)})


def plain(value: Any) -> Any:
    """One cell of a range as the functions read it: Decimal and numpy numbers as float, COM error
    codes as the error's name; other values (dates too: ``number`` decides) unchanged."""
    kind = type(value)
    if kind in _PLAIN:
        return value
    name = error_name(value)
    if name is not None:
        return name
    if isinstance(value, Decimal):
        return float(value) if value.is_finite() else math.nan
    if isinstance(value, numbers.Real) and kind is not bool and kind is not int:
        return float(value)
    if kind.__name__ == "bool_":  # numpy's boolean
        return bool(value)
    return value


def plain_cells(values: Any) -> Any:
    """A range (list, tuple, nested rows, numpy array) with every cell ``plain``; a list or tuple
    whose cells are all plain already is returned as it is."""
    if hasattr(values, "ndim") and hasattr(values, "tolist"):
        values = values.tolist()
    if isinstance(values, list | tuple):
        if all(type(c) in _PLAIN for c in values):
            return values
        return [plain_cells(c) if isinstance(c, list | tuple) else plain(c) for c in values]
    return plain(values)


def out_of_range() -> str:
    """The cell text when the inputs are so large that the result is not a finite number."""
    return f"{ERROR_PREFIX} out of range: the result is not a finite number; check the inputs' magnitudes"


def infeasible(constraint: str) -> str:
    """The cell text for a configuration that does not fit (a value, not a failure of the call)."""
    return f"{ERROR_PREFIX} does not fit: {constraint}"
