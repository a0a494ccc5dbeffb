"""The MLSYS_* functions as the recompute calls them: arguments as an Excel UDF receives them.

Same contract as ``mlsysim.macros.bindings`` (the ``formulas`` binding) and the xlwings module:
a single cell arrives as its plain value (an empty cell and an omitted argument as ``None``, an
Excel error as its text); a one-row or one-column range as a tuple of plain values (a catalog
row, ``mlsysim.macros.sheet_schema``); a larger block as a 2-D array, which the functions refuse
with a readable ``#MLSYS!`` value. A row read by many cells is converted once per workbook. Block
functions (``mlsysim.macros.blocks``) get every argument as rows, as xlwings passes them with
``ndim=2``, and return rows (an array formula spreads them, ``spills``). Each function answers to
every name a runtime stores it by (``SPELLINGS``, as ``mlsysim.workbooks.engine_calls`` writes
them: bare, ``_xldudf_`` + name, ``_xldudf_XLWINGS_`` + name, ``XLWINGS.`` + name).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from .arrays import Area, Arr
from .values import BLANK, MISSING, XlError


def plain(value: Any) -> Any:
    """One cell's value as a UDF receives it."""
    if value is BLANK or value is MISSING:
        return None
    if type(value) is XlError:
        return str(value)
    return value


def argument(value: Any) -> Any:
    """An argument as a UDF receives it (see the module docstring)."""
    if type(value) is Area:
        if value.single:
            return plain(value.value())
        cached = value.book.plain_rows.get(value.key())
        if cached is None:
            cached = value.book.plain_rows[value.key()] = _range(value.array())
        return cached
    if type(value) is Arr:
        return plain(value.first()) if value.size == 1 else _range(value)
    return plain(value)


def _range(arr: Arr) -> Any:
    line = arr.line() if arr.height == 1 or arr.width == 1 else None
    if line is not None:
        return tuple(plain(v) for v in line)
    import numpy as np

    return np.array([[plain(v) for v in row] for row in arr.dense()], dtype=object)


SPELLINGS = ("{}", "_XLDUDF_{}", "_XLDUDF_XLWINGS_{}", "XLWINGS.{}")


def rows(value: Any) -> Any:
    """An argument as rows of plain values (xlwings' ``ndim=2``); an omitted one as None."""
    if value is MISSING:
        return None
    if isinstance(value, Area | Arr):
        return [[plain(v) for v in row] for row in Arr.of(value).dense()]
    return [[plain(value)]]


def _bind(python: Callable[..., Any], name: str, block: bool) -> Callable[..., Any]:
    def call(*args: Any) -> Any:
        if not block:
            return python(*[argument(a) for a in args])
        result = python(*[rows(a) for a in args])
        if hasattr(result, "tolist"):
            result = result.tolist()
        if isinstance(result, list) and result and all(isinstance(r, list | tuple) for r in result):
            return Arr([list(r) for r in result])
        return result

    call.__name__ = call.__qualname__ = name
    return call


@cache
def functions() -> dict[str, Callable[..., Any]]:
    """{NAME: callable} for every MLSYS_* function of ``mlsysim.macros``, under every spelling."""
    from mlsysim.macros.registry import REGISTRY

    bound = {
        name.upper(): _bind(spec.python, name, spec.returns == "block") for name, spec in REGISTRY.items()
    }
    return {spelling.format(name): fn for name, fn in bound.items() for spelling in SPELLINGS}
