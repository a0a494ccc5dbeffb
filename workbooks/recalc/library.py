"""The function table of the recompute: Excel's operators and functions evaluated natively
(``fn_scalar``, ``fn_ranges``), the MLSYS_* functions (``mlsys``), and, for any other Excel
function, the ``formulas`` package through its one adapter (``formulas_adapter``), imported only
when a workbook uses such a function.

A one-value function (``scalar``) gets values: a single-cell reference arrives as its value, an
array or a larger reference is taken cell by cell (``arrays.lift``), and an error argument is the
result unless the function handles errors itself (IF, IFERROR, IS*). Range functions get
references (``arrays.Area``) and arrays as they are.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from . import fn_ranges as R
from . import fn_scalar as S
from . import mlsys
from .arrays import Area, Arr, lift
from .values import XlError

# Functions whose references are known only at run time: the static evaluation order cannot hold them.
DYNAMIC = frozenset({"OFFSET", "INDIRECT", "LAMBDA", "LET", "ISFORMULA"})
PREFIXES = ("_XLFN._XLWS.", "_XLFN.", "_XLWS.")


@dataclass(frozen=True, slots=True)
class Fn:
    name: str
    call: Callable[..., Any]
    single_as_value: bool  # a single-cell reference argument arrives as its value
    cell: bool = False  # the calling cell (an Area) is passed first
    fast: str = ""  # an arithmetic operator the evaluator runs inline on numbers


def scalar(fn: Callable[..., Any], propagate: bool = True) -> Callable[..., Any]:
    """``fn`` on values: references read, arrays taken cell by cell, errors passed through."""

    def call(*args: Any) -> Any:
        for a in args:
            kind = type(a)
            if kind is Area or kind is Arr:
                return _lifted(fn, propagate, args)
        if propagate:
            for a in args:
                if type(a) is XlError:
                    return a
        return fn(*args)

    call.__name__ = getattr(fn, "__name__", "call")
    return call


def _lifted(fn: Callable[..., Any], propagate: bool, args: tuple[Any, ...]) -> Any:
    args = tuple(a.value() if type(a) is Area and a.single else a for a in args)
    inner = scalar(fn, propagate)
    if not any(type(a) is Area or type(a) is Arr for a in args):
        return inner(*args)
    return lift(inner, args)


def _scalars(propagate: bool, **fns: Callable[..., Any]) -> dict[str, Fn]:
    return {name: Fn(name, scalar(fn, propagate), True) for name, fn in fns.items()}


def _ranges(**fns: Callable[..., Any]) -> dict[str, Fn]:
    return {name: Fn(name, fn, False) for name, fn in fns.items()}


_UNARY_AND_POWER: dict[str, Callable[..., Any]] = {
    "^": S.power,
    "&": S.concat,
    "U-": S.neg,
    "U+": S.pos,
    "%": S.percent,
}
OPERATORS: dict[str, Fn] = {
    **{
        op: Fn(op, scalar(fn), True, fast=op)
        for op, fn in (("+", S.add), ("-", S.sub), ("*", S.mul), ("/", S.div))
    },
    **_scalars(True, **_UNARY_AND_POWER),
    **_scalars(True, **{"=": S.eq, "<>": S.ne, "<": S.lt, ">": S.gt, "<=": S.le, ">=": S.ge}),
    ":": Fn(":", R.span, False),
    " ": Fn(" ", R.intersect, False),
    "@": Fn("@", R.implicit, False, cell=True),
}

NATIVE: dict[str, Fn] = {
    **_scalars(
        True,
        SQRT=S.SQRT,
        EXP=S.EXP,
        LN=S.LN,
        LOG10=S.LOG10,
        LOG=S.LOG,
        ABS=S.ABS,
        INT=S.INT,
        SIGN=S.SIGN,
        PI=S.PI,
        MOD=S.MOD,
        POWER=S.POWER,
        ROUND=S.ROUND,
        ROUNDUP=S.ROUNDUP,
        ROUNDDOWN=S.ROUNDDOWN,
        TRUNC=S.TRUNC,
        NOT=S.NOT,
        TRUE=S.TRUE,
        FALSE=S.FALSE,
        NA=S.NA_,
        N=S.N,
        T=S.T,
        LEN=S.LEN,
        LEFT=S.LEFT,
        RIGHT=S.RIGHT,
        MID=S.MID,
        UPPER=S.UPPER,
        LOWER=S.LOWER,
        TRIM=S.TRIM,
        EXACT=S.EXACT,
        VALUE=S.VALUE_,
        REPT=S.REPT,
        CONCATENATE=S.CONCATENATE,
        DATE=S.DATE,
        YEAR=S.YEAR,
        MONTH=S.MONTH,
        DAY=S.DAY,
    ),
    **_scalars(
        False,
        IF=S.IF,
        IFERROR=S.IFERROR,
        IFNA=S.IFNA,
        ISERROR=S.ISERROR,
        ISERR=S.ISERR,
        ISNA=S.ISNA,
        ISNUMBER=S.ISNUMBER,
        ISTEXT=S.ISTEXT,
        ISNONTEXT=S.ISNONTEXT,
        ISLOGICAL=S.ISLOGICAL,
        ISBLANK=S.ISBLANK,
    ),
    **_ranges(
        SUM=R.SUM,
        PRODUCT=R.PRODUCT,
        AVERAGE=R.AVERAGE,
        MIN=R.MIN,
        MAX=R.MAX,
        COUNT=R.COUNT,
        COUNTA=R.COUNTA,
        COUNTBLANK=R.COUNTBLANK,
        AND=R.AND,
        OR=R.OR,
        SUMPRODUCT=R.SUMPRODUCT,
        COUNTIF=R.COUNTIF,
        COUNTIFS=R.COUNTIFS,
        SUMIF=R.SUMIF,
        SUMIFS=R.SUMIFS,
        AVERAGEIF=R.AVERAGEIF,
        AVERAGEIFS=R.AVERAGEIFS,
        INDEX=R.index,
        ROWS=R.ROWS,
        COLUMNS=R.COLUMNS,
    ),
    "MATCH": Fn("MATCH", R.match, True),
    "ROW": Fn("ROW", R.ROW, False, cell=True),
    "COLUMN": Fn("COLUMN", R.COLUMN, False, cell=True),
}


def canonical(name: str) -> str:
    upper = name.upper()
    for prefix in PREFIXES:
        if upper.startswith(prefix):
            return upper[len(prefix) :]
    return upper


@cache
def lookup(name: str) -> Fn | None:
    """The function ``name`` (any case, with or without ``_xlfn.``), or None when no engine has it."""
    base = canonical(name)
    if base in NATIVE:
        return NATIVE[base]
    binding = mlsys.functions().get(base)
    if binding is not None:
        return Fn(base, binding, True)
    if base in DYNAMIC:
        return None
    from . import formulas_adapter

    return formulas_adapter.function(name.upper())


def is_dynamic(name: str) -> bool:
    return canonical(name) in DYNAMIC
