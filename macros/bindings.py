"""The MLSYS_* functions for the ``formulas`` headless engine (``mlsysim recalc``).

Register with ``formulas.get_functions().update(formulas_functions())`` before a model is compiled;
the contract is in ``formulas_functions``' docstring.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from mlsysim.extras import needs

from .function import ExcelFunction
from .registry import REGISTRY

with needs("the headless recompute (mlsysim.macros.bindings)"):
    from formulas.ranges import Ranges
    from formulas.tokens.operand import XlError
    from schedula import EMPTY

# How each runtime's workbook stores a function's name (``mlsysim.workbooks.engine_calls``): bare
# (classic add-in), ``_xldudf_`` + name (Office.js custom functions without a namespace: xlwings
# Lite, or xlwings Server with an empty namespace), ``_xldudf_XLWINGS_`` + name (xlwings Server's
# default namespace), and ``XLWINGS.`` + name as a user types it there.
SPELLINGS = ("{}", "_XLDUDF_{}", "_XLDUDF_XLWINGS_{}", "XLWINGS.{}")


def _cell(value: Any) -> Any:
    if value is EMPTY:
        return None
    if isinstance(value, XlError):
        return str(value)
    if isinstance(value, np.generic):
        return value.item()
    return value


def plain(value: Any) -> Any:
    """A ``formulas`` argument as the plain values an Excel UDF receives."""
    if isinstance(value, Ranges):
        value = value.value
    if isinstance(value, np.ndarray):
        if value.size == 1:
            return _cell(value.ravel()[0])
        cells = [_cell(v) for v in value.ravel().tolist()]
        if value.ndim == 2 and 1 not in value.shape:
            return np.array(cells, dtype=object).reshape(value.shape)
        return cells
    return _cell(value)


def rows(value: Any) -> list[list[Any]]:
    """A ``formulas`` argument as rows of plain values, the shape xlwings' ``ndim=2`` gives."""
    if isinstance(value, Ranges):
        value = value.value
    if isinstance(value, np.ndarray):
        grid = value.reshape(1, 1) if value.ndim == 0 else value.reshape(value.shape[0], -1)
        return [[_cell(c) for c in row] for row in grid.tolist()]
    return [[_cell(value)]]


def _binding(spec: ExcelFunction) -> Callable[..., Any]:
    optional = tuple(a.optional for a in spec.args)
    python = spec.python
    block = spec.returns == "block"

    def call(*args: Any) -> Any:
        values = [rows(v) if block else plain(v) for v in args]
        for i, value in enumerate(values):
            cell = value[0][0] if block and len(value) == 1 and len(value[0]) == 1 else value
            if type(cell) is int and cell == 0 and i < len(optional) and optional[i]:
                values[i] = None
        if block:
            return np.array(python(*values), dtype=object)
        return python(*values)

    call.__name__ = call.__qualname__ = spec.name
    call.__doc__ = spec.python.__doc__
    return call


def formulas_functions() -> dict[str, Callable[..., Any]]:
    """``{NAME: callable}``: every MLSYS_* function, adapted to the ``formulas`` engine, under each
    name a runtime stores it by (``SPELLINGS``).

    - Arguments arrive as ``formulas`` passes them to a registered function: literals as Python scalars;
      cell references as ``formulas.ranges.Ranges`` (``.value`` a 2-D object array); results of other
      functions as numpy arrays. A 1×1 value becomes its scalar; a 1×n or n×1 value becomes a
      catalog-sheet row (``mlsysim.macros.sheet_schema``); a larger block stays 2-D and is refused.
      Block functions (``mlsysim.macros.blocks``) get every argument as rows, as xlwings passes
      them with ``ndim=2``, and return a 2-D object array (the rows).
    - Cells: ``schedula.EMPTY`` (an empty cell) becomes ``None``; an ``XlError`` (``#N/A``...) becomes its
      text, which the function answers with a readable ``#MLSYS!`` value; numpy scalars become Python's.
    - An omitted argument (``=MLSYS_TTFT("Llama3_70B","H100",4096,1,,2)``) reaches the function as the
      integer 0 in ``formulas``; in an optional position it is read as omitted (0 is never a valid
      precision, tp, unit, price or site there), exactly as Excel passes a missing argument.
    - The result is a Python scalar (float, str or bool), the very value the xlwings path returns:
      numbers in the function's unit, ``#MLSYS!`` text for bad input or a configuration that does not fit.
    """
    bound = {name: _binding(spec) for name, spec in REGISTRY.items()}
    return {spelling.format(name): fn for name, fn in bound.items() for spelling in SPELLINGS}
