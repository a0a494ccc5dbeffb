"""The MLSYS_* functions as the recompute calls them: arguments as an Excel UDF receives them.

Same contract as ``mlsysim.macros.bindings`` (the ``formulas`` binding) and the xlwings module:
a single cell arrives as its plain value (an empty cell and an omitted argument as ``None``, an
Excel error as its text); a one-row or one-column range as a tuple of plain values (a catalog
row, ``mlsysim.macros.sheet_schema``); a larger block as a 2-D array, which the functions refuse
with a readable ``#MLSYS!`` value. A row read by many cells is converted once per workbook.
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


def _bind(python: Callable[..., Any], name: str) -> Callable[..., Any]:
    def call(*args: Any) -> Any:
        return python(*[argument(a) for a in args])

    call.__name__ = call.__qualname__ = name
    return call


@cache
def functions() -> dict[str, Callable[..., Any]]:
    """{NAME: callable} for every MLSYS_* function of ``mlsysim.macros``."""
    from mlsysim.macros.registry import REGISTRY

    return {name.upper(): _bind(spec.python, name) for name, spec in REGISTRY.items()}
