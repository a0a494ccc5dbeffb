"""Cell values as the recompute holds them, and what counts as an error.

A formula's result from ``formulas`` may be a 1x1 array, a ``Ranges`` reference, a numpy scalar
or the empty marker; ``scalar`` reduces it to what the cell shows, as ``formulas`` does for a cell
(an empty result shows 0; a multi-cell array in one cell is ``#VALUE!``; NaN/inf are ``#NUM!``;
text longer than Excel's 32,767-character cell limit is ``#VALUE!``).
Errors are Excel's error values and the engine's ``#MLSYS! ...`` texts, except
``#MLSYS! does not fit: ...``, which ``mlsysim.macros`` defines as a value (the answer for a
configuration that does not fit), not a failure.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import schedula as sh
from formulas.ranges import Ranges, _reshape_array_as_excel
from formulas.tokens.operand import Error, XlError
from mlsysim.macros.cells import ERROR_PREFIX, infeasible

EMPTY = sh.EMPTY
INFEASIBLE = infeasible("")  # "#MLSYS! does not fit: ": an answer (the configuration does not fit)
NUM = Error.errors["#NUM!"]
VALUE = Error.errors["#VALUE!"]
NAME = Error.errors["#NAME?"]
REF = Error.errors["#REF!"]
MAX_TEXT = 32_767


def scalar(value: Any) -> Any:
    """The single value a formula cell shows for result ``value``."""
    if isinstance(value, Ranges):
        value = value.value
    if isinstance(value, np.ndarray):
        if value.ndim == 0:
            value = value.item()
        elif value.shape == (1, 1):
            value = value[0, 0]
        else:
            value = _reshape_array_as_excel(value, (1, 1))[0, 0]
        if isinstance(value, Ranges | np.ndarray):
            return scalar(value)
    if value is EMPTY or value is None:
        return 0.0
    if isinstance(value, XlError):
        return value
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool):
        return value
    if isinstance(value, str):  # Excel holds at most 32,767 characters in a cell
        return value if len(value) <= MAX_TEXT else VALUE
    if isinstance(value, int | float):
        value = float(value)
        return value if math.isfinite(value) else NUM
    return VALUE


def is_error(value: Any) -> bool:
    """Excel's error values and ``#MLSYS!`` error texts; an infeasible configuration is a value."""
    if isinstance(value, XlError):
        return True
    return isinstance(value, str) and value.startswith(ERROR_PREFIX) and not value.startswith(INFEASIBLE)


def shown(value: Any) -> str:
    """The value as a message shows it."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return repr(value).removesuffix(".0") if value.is_integer() and abs(value) < 1e16 else repr(value)
    return str(value)
