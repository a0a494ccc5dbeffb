"""Excel's conversions between values (Microsoft, "Calculation operators and precedence in Excel",
section "Converting values in formulas"; "Floating-point arithmetic may give inaccurate results").

- An operator that expects a number converts text that reads as a number, a date or a time
  (``="1"+"2"`` is 3, ``=1+"$4.00"`` is 5, ``="6/1/2001"-"5/1/2001"`` is 31), TRUE/FALSE to 1/0
  and an empty cell to 0; other text is ``#VALUE!``.
- ``&`` converts numbers to text as the General format shows them (15 significant digits) and
  TRUE/FALSE to ``TRUE``/``FALSE``.
- Comparison: numbers sort before text, text before logicals; text is compared without regard to
  case; an empty cell is 0, "" or FALSE as the other side needs; numbers are compared at 15
  significant digits (``=0.1+0.2=0.3`` is TRUE). Values of different kinds are never equal
  (``="5"=5`` is FALSE).
- Dates are serial numbers: day 1 is 1900-01-01, and day 60 is the 29 February 1900 that Excel
  keeps for compatibility with Lotus 1-2-3 (Microsoft, "DATE function").
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

from .values import BLANK, MISSING, VALUE, XlError

_NUMBER = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)?(?:\.\d*)?(?:[eE][+-]?\d+)?")
_DATE_MDY = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})")
_DATE_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_TIME = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}(?:\.\d*)?))?\s*([AaPp][Mm])?")
_EPOCH = dt.date(1899, 12, 30)
_LEAP_BUG_END = dt.date(1900, 3, 1)


def date_serial(year: int, month: int, day: int) -> float | XlError:
    """Excel's serial number of a calendar date (``#NUM!`` outside 1900-01-01..9999-12-31)."""
    try:
        date = dt.date(year, month, day)
    except ValueError:
        return VALUE
    serial = (date - _EPOCH).days
    if date < _LEAP_BUG_END:
        serial -= 1  # Excel's day 60 is 1900-02-29, which did not exist
    return float(serial)


def _text_date(text: str) -> float | None:
    m = _DATE_MDY.fullmatch(text)
    if m:
        month, day, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
        if len(m.group(3)) == 2:
            year += 2000 if year < 30 else 1900  # Excel's two-digit-year window
    else:
        m = _DATE_ISO.fullmatch(text)
        if not m:
            return None
        year, month, day = int(m.group(1)), int(m.group(2)), int(m.group(3))
    if year < 1900:
        return None
    serial = date_serial(year, month, day)
    return serial if isinstance(serial, float) else None


def _text_time(text: str) -> float | None:
    m = _TIME.fullmatch(text)
    if not m:
        return None
    hours, minutes = int(m.group(1)), int(m.group(2))
    seconds = float(m.group(3) or 0)
    half = (m.group(4) or "").upper()
    if half:
        if not 1 <= hours <= 12:
            return None
        hours = hours % 12 + (12 if half == "PM" else 0)
    if minutes >= 60 or seconds >= 60:
        return None
    return (hours * 3600 + minutes * 60 + seconds) / 86400


def text_to_number(text: str) -> float | None:
    """The number ``text`` reads as (``" 1,234.5 "``, ``"$4.00"``, ``"50%"``, ``"1E3"``, a date
    such as ``"6/1/2001"`` or ``"2001-06-01"``, a time such as ``"13:30"``), or None."""
    s = text.strip()
    if not s:
        return None
    negative = s.startswith("(") and s.endswith(")")  # accounting negative: (5)
    if negative:
        s = s[1:-1].strip()
    sign = ""
    if s[:1] in "+-":
        sign, s = s[0], s[1:].lstrip()
    if s.startswith("$"):
        s = s[1:].lstrip()
    percent = s.endswith("%")
    if percent:
        s = s[:-1].rstrip()
    if s and _NUMBER.fullmatch(s) and any(ch.isdigit() for ch in s.split("e")[0].split("E")[0]):
        value = float(s.replace(",", ""))
        if sign == "-":
            value = -value
        value = -value if negative else value
        return value / 100 if percent else value
    if sign or percent or negative:
        return None
    date_part, _, time_part = s.partition(" ")
    day = _text_date(date_part)
    if day is not None:
        if not time_part:
            return day
        clock = _text_time(time_part.strip())
        return None if clock is None else day + clock
    return _text_time(s)


def to_number(value: Any) -> float | XlError:
    """A value as an operator's number operand (``#VALUE!`` for text that is not a number)."""
    kind = type(value)
    if kind is float:
        return value
    if kind is bool:
        return 1.0 if value else 0.0
    if value is BLANK or value is MISSING:
        return 0.0
    if kind is XlError:
        return value
    if kind is str:
        number = text_to_number(value)
        return VALUE if number is None else number
    if isinstance(value, int | float):
        return float(value)
    return VALUE


def number_text(x: float) -> str:
    """A number as the General format shows it in text: at most 15 significant digits, no
    trailing zeros, scientific notation from 1E+15 up and below 1E-9 (``1E+20``, ``1.5E-10``)."""
    if x == 0:
        return "0"
    if x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    text = f"{x:.15g}"
    if "e" in text:
        mantissa, _, exponent = text.partition("e")
        sign = "-" if exponent.startswith("-") else "+"
        digits = exponent.lstrip("+-").lstrip("0") or "0"
        return f"{mantissa}E{sign}{digits.rjust(2, '0')}"
    return text


def to_text(value: Any) -> str | XlError:
    """A value as ``&`` and the text functions read it."""
    kind = type(value)
    if kind is str:
        return value
    if kind is float:
        return number_text(value)
    if kind is bool:
        return "TRUE" if value else "FALSE"
    if value is BLANK or value is MISSING:
        return ""
    if kind is XlError:
        return value
    if isinstance(value, int | float):
        return number_text(float(value))
    return VALUE


def to_bool(value: Any) -> bool | XlError:
    """A value as IF, AND, OR and NOT read one given directly (text TRUE/FALSE, numbers)."""
    kind = type(value)
    if kind is bool:
        return value
    if kind is float:
        return value != 0.0
    if value is BLANK or value is MISSING:
        return False
    if kind is XlError:
        return value
    if kind is str:
        upper = value.strip().upper()
        if upper == "TRUE":
            return True
        if upper == "FALSE":
            return False
        return VALUE
    if isinstance(value, int | float):
        return value != 0
    return VALUE


def round15(x: float) -> float:
    """``x`` at 15 significant digits, the precision Excel compares numbers at."""
    if x == 0.0 or not math.isfinite(x):
        return x
    return float(f"{x:.15g}")


def _rank(value: Any) -> int:
    kind = type(value)
    if kind is float:
        return 0
    if kind is str:
        return 1
    if kind is bool:
        return 2
    return 0 if isinstance(value, int | float) else 1


def compare(a: Any, b: Any) -> int | XlError:
    """-1, 0 or 1 as Excel orders ``a`` and ``b`` (an error operand is the result)."""
    if type(a) is XlError:
        return a
    if type(b) is XlError:
        return b
    if a is BLANK or a is MISSING:
        a = _blank_like(b)
    if b is BLANK or b is MISSING:
        b = _blank_like(a)
    ra, rb = _rank(a), _rank(b)
    if ra != rb:
        return -1 if ra < rb else 1
    if ra == 0:
        x, y = float(a), float(b)
        if x == y:
            return 0
        if abs(x - y) <= 1e-14 * max(abs(x), abs(y)):
            x, y = round15(x), round15(y)
            if x == y:
                return 0
        return -1 if x < y else 1
    if ra == 1:
        x, y = a.lower(), b.lower()
        return 0 if x == y else (-1 if x < y else 1)
    return 0 if a == b else (-1 if b else 1)


def _blank_like(other: Any) -> Any:
    kind = type(other)
    if kind is str:
        return ""
    if kind is bool:
        return False
    return 0.0
