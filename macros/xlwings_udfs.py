"""The xlwings UDF module: every MLSYS_* function of the registry, decorated for Excel.

Set ``UDF Modules`` to ``mlsysim.macros.xlwings_udfs`` (xlwings ribbon, or the ``xlwings.conf``
sheet) and click *Import Functions*; see ``macros/README.md``. On Windows with the classic add-in
``xlwings.func``/``xlwings.arg`` record each function's signature and help for Excel; elsewhere
they are no-ops and the functions are plain Python.

Each argument is read with ``err_to_str=True`` so that a cell holding ``#N/A`` arrives as that text
and the function answers with a readable ``#MLSYS!`` value instead of silently treating it as empty.
A catalog-sheet row (a one-row range) arrives as a list, which the functions read as a workbook
catalog entry (``mlsysim.macros.sheet_schema``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import xlwings as xw

from .registry import REGISTRY

CATEGORY = "MLSYSIM"


def decorate(func: Callable[..., Any], arg: Callable[..., Any], **func_options: Any) -> dict[str, Any]:
    """Every registry function wrapped by the given ``func``/``arg`` decorators (xlwings' classic
    ones here, xlwings Lite's in ``lite/main.py``), by name."""
    udfs = {}
    for name, spec in REGISTRY.items():
        udf = spec.python
        for argument in reversed(spec.args):
            udf = arg(argument.name, doc=argument.doc, err_to_str=True)(udf)
        udfs[name] = func(**func_options)(udf)
    return udfs


UDFS = decorate(xw.func, xw.arg, category=CATEGORY)
globals().update(UDFS)
__all__ = sorted(UDFS)
