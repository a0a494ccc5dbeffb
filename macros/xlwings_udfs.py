"""The xlwings UDF module: every MLSYS_* function of the registry, decorated for Excel.

Set ``UDF Modules`` to ``mlsysim.macros.xlwings_udfs`` (xlwings ribbon, or the ``xlwings.conf``
sheet) and click *Import Functions*; see ``macros/README.md``. On Windows with the classic add-in
``xlwings.func``/``xlwings.arg`` record each function's signature and help for Excel; elsewhere
they are no-ops and the functions are plain Python. xlwings Lite (``lite/main.py``) and xlwings
Server call ``decorate`` with their own ``func``/``arg``.

- Each UDF is its own function object (the registry's callable is left as it is), whose docstring
  is the short description Excel shows (``descriptions.insert_function_text``: purpose and unit,
  at most 255 characters); Python's ``help`` keeps the long one.
- Each argument is read with ``err_to_str=True`` so that a cell holding ``#N/A`` arrives as that
  text and the function answers with a readable ``#MLSYS!`` value instead of silently treating it
  as empty. A catalog-sheet row (a one-row range) arrives as a list, which the functions read as a
  workbook catalog entry (``mlsysim.macros.sheet_schema``).
- Block functions (``mlsysim.macros.blocks``) read every argument with ``ndim=2``, so a row, a
  column and a single cell keep their shape, and return a list of rows, which spills.
"""

from __future__ import annotations

import types
from collections.abc import Callable
from typing import Any

from mlsysim.extras import needs

from .descriptions import insert_function_text
from .registry import REGISTRY

with needs("the Excel add-in's UDF module (mlsysim.macros.xlwings_udfs)"):
    import xlwings as xw

CATEGORY = "MLSYSIM"


def udf(name: str) -> Callable[..., Any]:
    """A fresh function object that runs the registry's ``name`` (same code, no extra call),
    with Excel's short description as its docstring."""
    spec = REGISTRY[name]
    source = spec.python
    copy = types.FunctionType(
        source.__code__, source.__globals__, name, source.__defaults__, source.__closure__
    )
    copy.__kwdefaults__ = source.__kwdefaults__
    copy.__qualname__ = name
    copy.__doc__ = insert_function_text(spec)
    copy.__signature__ = source.__signature__  # type: ignore[attr-defined]
    copy.__annotations__ = {}  # xlwings reads type hints as converters; the values arrive untyped
    copy.__module__ = __name__
    return copy


def decorate(func: Callable[..., Any], arg: Callable[..., Any], **func_options: Any) -> dict[str, Any]:
    """Every registry function wrapped by the given ``func``/``arg`` decorators (xlwings' classic
    ones here, xlwings Lite's or Server's in ``lite/main.py``), by name. ``func_options`` go to
    ``func`` (``category=`` for the classic add-in, ``cache=True`` for Lite and Server)."""
    udfs = {}
    for name, spec in REGISTRY.items():
        wrapped = udf(name)
        shape = {"ndim": 2} if spec.returns == "block" else {}
        for argument in reversed(spec.args):
            wrapped = arg(argument.name, doc=argument.doc, err_to_str=True, **shape)(wrapped)
        udfs[name] = func(**func_options)(wrapped)
    return udfs


UDFS = decorate(xw.func, xw.arg, category=CATEGORY)
globals().update(UDFS)
__all__ = sorted(UDFS)
