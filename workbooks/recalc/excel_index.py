"""INDEX as Excel defines it, where ``formulas`` 1.3.4 departs from it.

Excel: ``INDEX(array, row_num, [column_num])`` returns the cell at that row and column; a
``row_num`` of 0 returns the whole column and a ``column_num`` of 0 the whole row; with one
number on a one-row or one-column array it indexes along that array, on a 2-D array it returns the
whole row; a number beyond the array is ``#REF!``, a negative one ``#VALUE!`` (Microsoft, "INDEX
function", array form and reference form). ``formulas`` 1.3.4 returns only the first cell for a 0
(``INDEX(A1:C2,2,0)`` gives A2, not A2:C2) and ``#REF!`` for one number on a 2-D reference, and
builds a ``Ranges`` for every cell of a reference (milliseconds per call on a catalog table).

This covers a single area with scalar row/column numbers (a reference in, a reference out, so
``INDEX(...):INDEX(...)`` still works); any other call goes to ``formulas``' own INDEX.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from formulas.functions import COMPILING, Array, get_functions
from formulas.ranges import Ranges
from formulas.tokens.operand import Error, XlError

from . import reference
from .values import EMPTY

_VALUE = Error.errors["#VALUE!"]
_REF = Error.errors["#REF!"]


def _number(value: Any) -> Any:
    """A row/column number as an int, an error value, or None when it is not a single value."""
    if isinstance(value, Ranges):
        value = value.value
    if isinstance(value, np.ndarray):
        if value.size != 1:
            return None
        value = value.ravel()[0]
    if isinstance(value, XlError):
        return value
    if value is EMPTY:
        return 0
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return _VALUE
    if isinstance(value, bool | np.bool_):
        value = int(value)
    return int(value)


def index(array: Any, row_num: Any, col_num: Any = None, area_num: Any = 1, *, values: bool = False) -> Any:
    """Excel's INDEX (see the module docstring). ``values=True``: the selected cells' values
    instead of a reference to them, for a caller that reads values only (what it reads is the same)."""
    is_ref = isinstance(array, Ranges)
    if (is_ref and len(array.ranges) != 1) or _number(area_num) != 1:
        return _formulas_index(array, row_num, col_num, area_num)
    row = _number(row_num)
    col = None if col_num is None else _number(col_num)
    if row is None or (col_num is not None and col is None):
        return _formulas_index(array, row_num, col_num, area_num)
    for n in (row, col):
        if isinstance(n, XlError):
            return n
    cells = array.value if is_ref else np.asarray(array, dtype=object)
    if cells.ndim != 2:
        cells = cells.reshape(1, -1)
    height, width = cells.shape
    if col is None:
        if height == 1:
            row, col = 1, row
        elif width == 1:
            col = 1
        else:
            col = 0
    if row < 0 or col < 0:
        return _VALUE
    if row > height or col > width:
        return _REF
    rows = slice(None) if row == 0 else slice(row - 1, row)
    cols = slice(None) if col == 0 else slice(col - 1, col)
    part = cells[rows, cols]
    if not is_ref or values:
        return part.view(Array)
    base = array.ranges[0]
    r1 = int(base["r1"]) + (0 if row == 0 else row - 1)
    c1 = base["n1"] + (0 if col == 0 else col - 1)
    return reference.make(
        base.get("sheet_id", ""), r1, c1, r1 + part.shape[0] - 1, c1 + part.shape[1] - 1, part
    )


def _formulas_index(*args: Any) -> Any:
    entry = get_functions()["INDEX"]
    extra = [False for key in entry.get("extra_inputs", {}) if key is COMPILING]
    return entry["function"](*extra, *(a for a in args if a is not None))
