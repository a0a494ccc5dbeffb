"""The one place that uses the ``formulas`` package: Excel functions the recompute does not
evaluate natively (statistics, finance, engineering...), imported on first use.

``formulas`` (pinned in ``pyproject.toml`` to the tested range, see ``TESTED``) calls each function
with its own conventions, which this module converts to and from: an empty cell is
``schedula.EMPTY``, an error is its ``XlError``, a range is a 2-D numpy object array, a function
that takes references (``formulas`` marks them by not wrapping them in ``wrap_ranges_func``) gets
``formulas.ranges.Ranges``, and some get ``COMPILING=False`` and the calling cell first
(``extra_inputs``). These are internals of ``formulas``; ``tests/recalc/test_formulas_adapter.py``
checks each one, so an upgrade that changes them fails loudly there rather than silently here.
The few of its functions that compute with unbounded integers or strings run behind argument
limits (``guards``).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from .arrays import Area, Arr
from .values import BLANK, MISSING, NAME, VALUE, XlError, error

TESTED = ((1, 3, 4), (1, 4, 0))  # formulas versions this adapter is tested with: [low, high)


class AdapterError(Exception):
    """``formulas`` is missing or differs from the tested versions."""


@cache
def _formulas() -> Any:
    try:
        import formulas
        from formulas.functions import COMPILING, get_functions, wrap_ranges_func
    except ImportError as exc:  # pragma: no cover - formulas is a dependency
        raise AdapterError(f"the formulas package is needed for this function ({exc})") from None
    version = tuple(int(p) for p in formulas.__version__.split(".")[:3])
    if not TESTED[0] <= version < TESTED[1]:
        raise AdapterError(f"formulas {formulas.__version__} is outside the tested range {TESTED}")
    import schedula
    from formulas.cell import CELL
    from formulas.ranges import Ranges
    from formulas.tokens.operand import XlError as FXlError

    return {
        "functions": get_functions(),
        "COMPILING": COMPILING,
        "CELL": CELL,
        "Ranges": Ranges,
        "XlError": FXlError,
        "EMPTY": schedula.EMPTY,
        "wrapper": wrap_ranges_func(lambda: None).__code__,
    }


def function(name: str) -> Any:
    """A ``library.Fn`` for the ``formulas`` function ``name`` (upper case), or None."""
    from .library import Fn

    f = _formulas()
    entry = f["functions"].get(name)
    if entry is None:
        return None
    extra: tuple[Any, ...] = ()
    if isinstance(entry, dict):
        extra = tuple(entry.get("extra_inputs", {}))
        entry = entry["function"]
    if any(e not in (f["COMPILING"], f["CELL"]) for e in extra):
        return None
    from . import guards

    takes_values = getattr(entry, "__code__", None) is f["wrapper"]
    fn = guards.guarded(name, entry) if takes_values else entry
    needs_cell = f["CELL"] in extra
    return Fn(name, _call(fn, extra, takes_values), False, cell=needs_cell)


def _call(fn: Callable[..., Any], extra: tuple[Any, ...], takes_values: bool) -> Callable[..., Any]:
    f = _formulas()

    def call(*args: Any) -> Any:
        lead: list[Any] = []
        if f["CELL"] in extra:
            cell, args = args[0], args[1:]
        for e in extra:
            lead.append(False if e is f["COMPILING"] else _reference(cell, None))
        converted = [_in(a, takes_values) for a in args if a is not MISSING]
        try:
            return _out(fn(*lead, *converted))
        except NotImplementedError:
            return NAME
        except Exception:  # formulas answers #VALUE! for what its functions cannot take
            return VALUE

    return call


def _value_in(v: Any) -> Any:
    f = _formulas()
    if v is BLANK:
        return f["EMPTY"]
    if type(v) is XlError:
        return f["XlError"](str(v)) if str(v) not in _errors() else _errors()[str(v)]
    return v


@cache
def _errors() -> dict[str, Any]:
    from formulas.tokens.operand import Error

    return dict(Error.errors)


def _array(arr: Arr) -> Any:
    import numpy as np

    out = np.empty((arr.height, arr.width), dtype=object)
    for i, row in enumerate(arr.dense()):
        for j, v in enumerate(row):
            out[i, j] = _value_in(v)
    return out


def _reference(area: Area, values: Any) -> Any:
    from .reference import make

    sheet = area.book.sheet_ids[area.sheet]
    return make(sheet, area.r1, area.c1, area.r2, area.c2, values)


def _in(a: Any, takes_values: bool) -> Any:
    import numpy as np

    if isinstance(a, Area):
        values = _array(a.array())
        return values if takes_values else _reference(a, values)
    if isinstance(a, Arr):
        return _array(a)
    return np.array([[_value_in(a)]], dtype=object) if takes_values else _value_in(a)


def _out(result: Any) -> Any:
    import numpy as np

    f = _formulas()
    if isinstance(result, f["Ranges"]):
        result = result.value
    if isinstance(result, np.ndarray):
        if result.ndim == 0:
            return _out(result.item())
        if result.ndim == 1:
            result = result.reshape(1, -1)
        rows = [[_out(v) for v in row] for row in result.tolist()]
        if len(rows) == 1 and len(rows[0]) == 1:
            return rows[0][0]
        return Arr(rows)
    if result is f["EMPTY"] or result is None:
        return BLANK
    if isinstance(result, f["XlError"]):
        return error(str(result))
    if isinstance(result, np.generic):
        result = result.item()
    if isinstance(result, bool):
        return result
    if isinstance(result, int | float):
        return float(result)
    if isinstance(result, str):
        return result
    return VALUE
