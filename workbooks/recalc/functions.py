"""The function table the recompute evaluates with: the ``formulas`` package's Excel functions and
operators, plus the MLSYS_* functions bound to the engine (``mlsysim.macros.bindings``).

Each entry says how to call the function the way ``formulas`` itself would: which extra inputs it
takes first (``formulas`` passes ``COMPILING=False`` and the calling ``CELL`` to some), whether it
reads raw values (wrapped by ``formulas.functions.wrap_ranges_func``, which turns references into
arrays) or wants ``Ranges`` references, and whether it is element-wise (a numpy ufunc wrapper, so
one call on a column of scalars gives, row by row, what one call per scalar gives; the test
``test_elementwise`` checks each name listed here). INDEX is ``excel_index.index`` (Excel's
definition, where ``formulas`` 1.3.4 departs from it).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from formulas.cell import CELL
from formulas.functions import COMPILING, DSP, get_functions, wrap_ranges_func
from formulas.functions.operators import OPERATORS

from . import excel_index, guards

# Functions whose result depends on more than their arguments' values; evaluating them needs the
# whole workbook at run time, which the static dependency graph cannot order.
DYNAMIC = frozenset({"OFFSET", "INDIRECT", "_XLFN.LAMBDA", "LAMBDA", "LET", "_XLFN.LET", "ISFORMULA"})

ALL = frozenset(range(255))  # every argument (Excel takes at most 255)
# name -> argument positions the function is element-wise in (any other argument must be the same
# for every copy: MATCH looks a column of values up in one shared lookup array).
ELEMENTWISE: dict[str, frozenset[int]] = {
    **dict.fromkeys(("+", "-", "*", "/", "^", "&", "=", "<>", "<", ">", "<=", ">=", "U-", "U+", "%"), ALL),
    **dict.fromkeys(("IF", "IFERROR", "IFNA", "_XLFN.IFNA", "NOT", "ABS", "SQRT", "EXP", "LN", "LOG10"), ALL),
    **dict.fromkeys(("ROUND", "ROUNDUP", "ROUNDDOWN", "INT", "MOD", "POWER", "SIGN", "TRUNC"), ALL),
    "MATCH": frozenset({0, 2}),
}

_RANGES_WRAPPER = wrap_ranges_func(lambda: None).__code__


@dataclass(frozen=True, slots=True)
class Function:
    name: str
    call: Callable[..., Any]
    extra: tuple[Any, ...]  # sentinels COMPILING / CELL, passed before the arguments
    references: frozenset[int]  # argument positions that take ``Ranges``; the others take values
    elementwise: frozenset[int]  # argument positions it is element-wise in (empty: none)
    for_values: Callable[..., Any] | None = None  # same result as values, for callers that read values


@cache
def _mlsys_functions() -> dict[str, Callable[..., Any]]:
    """{NAME: callable} from the macros binding; empty until that module exists."""
    try:
        from mlsysim.macros.bindings import formulas_functions
    except ModuleNotFoundError as exc:
        if exc.name not in ("mlsysim.macros.bindings",):
            raise
        return {}
    return {name.upper(): fn for name, fn in formulas_functions().items()}


def mlsys_names() -> frozenset[str]:
    return frozenset(_mlsys_functions())


@cache
def lookup(name: str, operator: bool) -> Function | None:
    """The function or operator ``name`` (upper case), or None when no engine implements it."""
    if not operator and name in _mlsys_functions():
        # the binding reads a ``Ranges`` and its 2-D value alike (its documented contract): values
        return Function(name, _mlsys_functions()[name], (), frozenset(), frozenset())
    if not operator and name == "INDEX":  # a reference in the first argument, numbers after it
        values = functools.partial(excel_index.index, values=True)
        return Function(name, excel_index.index, (), frozenset({0}), frozenset(), values)
    table: Any = OPERATORS if operator else get_functions()
    if name not in table or name in DYNAMIC:
        return None
    entry = table[name]
    extra: tuple[Any, ...] = ()
    if isinstance(entry, dict):
        extra = tuple(entry.get("extra_inputs", {}))
        entry = entry["function"]
        if DSP in extra:
            return None
    if getattr(entry, "__code__", None) is _RANGES_WRAPPER:  # converts references to values itself
        entry = guards.guarded(name, entry)
        return Function(
            name, entry, extra, frozenset(), frozenset() if extra else ELEMENTWISE.get(name, frozenset())
        )
    return Function(name, entry, extra, ALL, frozenset())


def is_dynamic(name: str) -> bool:
    return name in DYNAMIC


__all__ = ["CELL", "COMPILING", "Function", "is_dynamic", "lookup", "mlsys_names"]
