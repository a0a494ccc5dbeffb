"""Excel's operators and one-value functions (math, logic, information, text, dates), natively.

Each takes plain values (numbers, text, logicals, BLANK, MISSING, errors) and follows Microsoft's
function reference for the conversions (``coerce``); ``library`` applies them cell by cell to
arrays and references and, for most, returns the first error argument before calling them.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from decimal import ROUND_DOWN, ROUND_HALF_UP, ROUND_UP, Context, Decimal
from typing import Any

from .coerce import compare, date_serial, round15, text_to_number, to_bool, to_number, to_text
from .values import BLANK, DIV0, MISSING, NA, NUM, VALUE, XlError

MAX_FLOAT = 1.7976931348623157e308
MAX_DIGITS = 400  # ROUND digits beyond this round nothing more
_DECIMAL = Context(prec=800, Emax=999_999, Emin=-999_999)


def finite(x: float) -> float | XlError:
    return x if -MAX_FLOAT <= x <= MAX_FLOAT else NUM


def _numbers(*values: Any) -> list[float] | XlError:
    out = []
    for v in values:
        n = to_number(v)
        if isinstance(n, XlError):
            return n
        out.append(n)
    return out


def add(a: Any, b: Any) -> Any:
    n = _numbers(a, b)
    return n if isinstance(n, XlError) else finite(n[0] + n[1])


def sub(a: Any, b: Any) -> Any:
    n = _numbers(a, b)
    return n if isinstance(n, XlError) else finite(n[0] - n[1])


def mul(a: Any, b: Any) -> Any:
    n = _numbers(a, b)
    return n if isinstance(n, XlError) else finite(n[0] * n[1])


def div(a: Any, b: Any) -> Any:
    n = _numbers(a, b)
    if isinstance(n, XlError):
        return n
    return DIV0 if n[1] == 0 else finite(n[0] / n[1])


def power(a: Any, b: Any) -> Any:
    n = _numbers(a, b)
    if isinstance(n, XlError):
        return n
    x, y = n
    if x == 0 and y == 0:
        return NUM
    if x == 0 and y < 0:
        return DIV0
    if x < 0 and not float(y).is_integer():
        return NUM
    try:
        return finite(math.pow(x, y))
    except OverflowError:
        return NUM


def concat(a: Any, b: Any) -> Any:
    x, y = to_text(a), to_text(b)
    if isinstance(x, XlError):
        return x
    if isinstance(y, XlError):
        return y
    return x + y


def _comparison(test: Any) -> Callable[[Any, Any], Any]:
    def op(a: Any, b: Any) -> Any:
        c = compare(a, b)
        return c if isinstance(c, XlError) else test(c)

    return op


eq = _comparison(lambda c: c == 0)
ne = _comparison(lambda c: c != 0)
lt = _comparison(lambda c: c < 0)
gt = _comparison(lambda c: c > 0)
le = _comparison(lambda c: c <= 0)
ge = _comparison(lambda c: c >= 0)


def neg(a: Any) -> Any:
    n = to_number(a)
    return n if isinstance(n, XlError) else -n


def pos(a: Any) -> Any:
    return a


def percent(a: Any) -> Any:
    n = to_number(a)
    return n if isinstance(n, XlError) else n / 100


# --- math ---------------------------------------------------------------------------------------


def _unary(fn: Any, domain: Any = None) -> Any:
    def call(a: Any) -> Any:
        x = to_number(a)
        if isinstance(x, XlError):
            return x
        if domain is not None and not domain(x):
            return NUM
        try:
            return finite(fn(x))
        except (OverflowError, ValueError):
            return NUM

    return call


SQRT = _unary(math.sqrt, lambda x: x >= 0)
EXP = _unary(math.exp)
LN = _unary(math.log, lambda x: x > 0)
LOG10 = _unary(math.log10, lambda x: x > 0)
ABS = _unary(abs)
INT = _unary(lambda x: float(math.floor(x)))
SIGN = _unary(lambda x: float((x > 0) - (x < 0)))


def LOG(a: Any, base: Any = 10.0) -> Any:
    n = _numbers(a, 10.0 if base is MISSING else base)
    if isinstance(n, XlError):
        return n
    x, b = n
    if x <= 0 or b <= 0:
        return NUM
    if b == 1:
        return DIV0
    return math.log(x) / math.log(b)


def PI() -> float:
    return math.pi


def MOD(a: Any, b: Any) -> Any:
    n = _numbers(a, b)
    if isinstance(n, XlError):
        return n
    x, y = n
    if y == 0:
        return DIV0
    return finite(x - y * math.floor(x / y))


def POWER(a: Any, b: Any) -> Any:
    return power(a, b)


def _rounding(mode: str) -> Any:
    def call(a: Any, digits: Any = 0.0) -> Any:
        n = _numbers(a, 0.0 if digits is MISSING else digits)
        if isinstance(n, XlError):
            return n
        x, d = n[0], int(n[1])
        if not x:
            return 0.0
        d = min(d, MAX_DIGITS)
        if d < -308:
            return 0.0
        # Excel rounds the number it shows (15 significant digits): ROUND(1.005, 2) is 1.01
        value = Decimal(repr(round15(x)))
        return float(value.quantize(Decimal(1).scaleb(-d), rounding=mode, context=_DECIMAL))

    return call


ROUND = _rounding(ROUND_HALF_UP)
ROUNDUP = _rounding(ROUND_UP)
ROUNDDOWN = _rounding(ROUND_DOWN)
TRUNC = ROUNDDOWN


# --- logic and information --------------------------------------------------------------------


def IF(condition: Any, then: Any = True, otherwise: Any = False) -> Any:
    c = to_bool(condition)
    if isinstance(c, XlError):
        return c
    chosen = then if c else otherwise
    return 0.0 if chosen is MISSING else chosen


def IFERROR(value: Any, alternative: Any) -> Any:
    if isinstance(value, XlError):
        return 0.0 if alternative is MISSING else alternative
    return value


def IFNA(value: Any, alternative: Any) -> Any:
    if value is NA:
        return 0.0 if alternative is MISSING else alternative
    return value


def NOT(a: Any) -> Any:
    b = to_bool(a)
    return b if isinstance(b, XlError) else not b


def TRUE() -> bool:
    return True


def FALSE() -> bool:
    return False


def ISERROR(a: Any) -> bool:
    return isinstance(a, XlError)


def ISERR(a: Any) -> bool:
    return isinstance(a, XlError) and a is not NA


def ISNA(a: Any) -> bool:
    return a is NA


def ISNUMBER(a: Any) -> bool:
    return type(a) is float


def ISTEXT(a: Any) -> bool:
    return type(a) is str


def ISNONTEXT(a: Any) -> bool:
    return type(a) is not str


def ISLOGICAL(a: Any) -> bool:
    return type(a) is bool


def ISBLANK(a: Any) -> bool:
    return a is BLANK


def NA_() -> Any:
    return NA


def N(a: Any) -> Any:
    if type(a) is float or isinstance(a, XlError):
        return a
    if type(a) is bool:
        return 1.0 if a else 0.0
    return 0.0


def T(a: Any) -> Any:
    if type(a) is str or isinstance(a, XlError):
        return a
    return ""


# --- text --------------------------------------------------------------------------------------


def _text(a: Any) -> Any:
    return to_text(a)


def _count(a: Any, default: float) -> Any:
    n = to_number(default if a is MISSING else a)
    if isinstance(n, XlError):
        return n
    return NUM if n < 0 else int(n)


def LEN(a: Any) -> Any:
    s = _text(a)
    return s if isinstance(s, XlError) else float(len(s))


def LEFT(a: Any, count: Any = MISSING) -> Any:
    s, n = _text(a), _count(count, 1.0)
    for v in (s, n):
        if isinstance(v, XlError):
            return v
    return s[:n]


def RIGHT(a: Any, count: Any = MISSING) -> Any:
    s, n = _text(a), _count(count, 1.0)
    for v in (s, n):
        if isinstance(v, XlError):
            return v
    return s[len(s) - n :] if n else ""


def MID(a: Any, start: Any, count: Any) -> Any:
    s, st, n = _text(a), to_number(start), _count(count, 0.0)
    for v in (s, st, n):
        if isinstance(v, XlError):
            return v
    if isinstance(st, XlError) or isinstance(n, XlError):  # for the type checker: returned above
        return VALUE
    if st < 1:
        return VALUE
    first = int(st) - 1
    return s[first : first + n]


def UPPER(a: Any) -> Any:
    s = _text(a)
    return s if isinstance(s, XlError) else s.upper()


def LOWER(a: Any) -> Any:
    s = _text(a)
    return s if isinstance(s, XlError) else s.lower()


def TRIM(a: Any) -> Any:
    s = _text(a)
    return s if isinstance(s, XlError) else " ".join(part for part in s.split(" ") if part)


def EXACT(a: Any, b: Any) -> Any:
    x, y = _text(a), _text(b)
    for v in (x, y):
        if isinstance(v, XlError):
            return v
    return x == y


def VALUE_(a: Any) -> Any:
    if type(a) is float:
        return a
    if a is BLANK:
        return 0.0
    if type(a) is bool:
        return VALUE
    number = text_to_number(a) if type(a) is str else None
    return VALUE if number is None else number


def REPT(a: Any, times: Any) -> Any:
    s, n = _text(a), to_number(times)
    if isinstance(s, XlError):
        return s
    if isinstance(n, XlError):
        return n
    if n < 0:
        return VALUE
    if len(s) * int(n) > 32_767:
        return VALUE
    return s * int(n)


def CONCATENATE(*parts: Any) -> Any:
    out = []
    for p in parts:
        s = _text(p)
        if isinstance(s, XlError):
            return s
        out.append(s)
    text = "".join(out)
    return text if len(text) <= 32_767 else VALUE


# --- dates ---------------------------------------------------------------------------------------


def DATE(year: Any, month: Any, day: Any) -> Any:
    n = _numbers(year, month, day)
    if isinstance(n, XlError):
        return n
    y, m, d = (math.floor(v) for v in n)
    if 0 <= y < 1900:
        y += 1900
    if not 1900 <= y <= 9999:
        return NUM
    y, m = divmod(y * 12 + m - 1, 12)
    if not 1900 <= y <= 9999:
        return NUM
    first = date_serial(y, m + 1, 1)
    if isinstance(first, XlError):
        return first
    serial = first + d - 1
    return NUM if not 1 <= serial <= 2958465 else serial


def _date_of(a: Any) -> Any:
    n = to_number(a)
    if isinstance(n, XlError):
        return n
    if n < 0 or n > 2958465.99999:
        return NUM
    day = int(n)
    if day == 60:
        return (1900, 2, 29)
    if day == 0:
        return (1900, 1, 0)
    date = dt.date(1899, 12, 31) + dt.timedelta(days=day - (1 if day > 60 else 0))
    return (date.year, date.month, date.day)


def YEAR(a: Any) -> Any:
    d = _date_of(a)
    return d if isinstance(d, XlError) else float(d[0])


def MONTH(a: Any) -> Any:
    d = _date_of(a)
    return d if isinstance(d, XlError) else float(d[1])


def DAY(a: Any) -> Any:
    d = _date_of(a)
    return d if isinstance(d, XlError) else float(d[2])
