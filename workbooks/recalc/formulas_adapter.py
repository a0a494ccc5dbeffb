"""The one place that uses the ``formulas`` package: Excel functions the recompute does not
evaluate natively (statistics, finance, engineering...), imported on first use.

``formulas`` (pinned in ``pyproject.toml`` to the tested range, see ``TESTED``) calls each function
with its own conventions, which this module converts to and from: an empty cell is
``schedula.EMPTY``, an error is its ``XlError``, a range is a 2-D numpy object array, a function
that takes references (``formulas`` marks them by not wrapping them in ``wrap_ranges_func``) gets
``formulas.ranges.Ranges``, and some get ``COMPILING=False`` and the calling cell first
(``extra_inputs``). These are internals of ``formulas``; ``tests/recalc/test_formulas_adapter.py``
checks each one, so an upgrade that changes them fails loudly there rather than silently here.
The few of its functions that compute with unbounded integers run behind argument limits
(``guards``), checked on the recompute's own values.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from . import guards
from .arrays import Area, Arr
from .cellref import address, column_letters
from .values import BLANK, MISSING, NAME, NUM, VALUE, XlError, error

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
    takes_values = getattr(entry, "__code__", None) is f["wrapper"]
    needs_cell = f["CELL"] in extra
    return Fn(name, _call(name, entry, extra, takes_values), False, cell=needs_cell)


def _call(
    name: str, fn: Callable[..., Any], extra: tuple[Any, ...], takes_values: bool
) -> Callable[..., Any]:
    f = _formulas()

    def call(*args: Any) -> Any:
        lead: list[Any] = []
        if f["CELL"] in extra:
            cell, args = args[0], args[1:]
        if guards.refused(name, args):
            return NUM
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


def _reference(area: Area | None, values: Any) -> Any:
    """A ``formulas.ranges.Ranges`` for ``area`` holding ``values``, built as its ``get_range``
    builds one (1-based ``n1``/``n2`` columns, ``r1``/``r2`` rows as text, the upper-case sheet)."""
    assert area is not None
    sheet = area.book.sheet_ids[area.sheet]
    single = area.r1 == area.r2 and area.c1 == area.c2
    first = address(area.r1, area.c1)
    ref = first if single else f"{first}:{address(area.r2, area.c2)}"
    rng = {
        "r1": str(area.r1),
        "r2": str(area.r2),
        "c1": column_letters(area.c1),
        "c2": column_letters(area.c2),
        "n1": area.c1,
        "n2": area.c2,
        "ref": ref,
        "name": f"{sheet}!{ref}" if sheet else ref,
        "sheet_id": sheet,
    }
    ranges = _formulas()["Ranges"]
    return ranges((rng,)) if values is None else ranges().set_value(rng, values)


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
