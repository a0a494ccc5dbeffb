"""``mlsysim.macros``: the Excel-facing MLSYS_* function registry and its adapters.

Every MLSYS_* function is importable by name (``from mlsysim.macros import MLSYS_TTFT``) and callable
as plain Python: scalars (or a catalog-sheet row) in, one scalar out, ``#MLSYS!`` text on bad input.

- ``registry``: ``REGISTRY`` (name -> ``ExcelFunction``) and ``CALLABLES`` (name -> callable).
- ``sheet_schema``: column layout of the workbook's Hardware/Models/Fleets/Regions sheets.
- ``xlwings_udfs``: the module Excel's xlwings add-in imports (``UDF_MODULES``); ``lite/main.py``
  for xlwings Lite.
- ``bindings.formulas_functions()``: the functions for the ``formulas`` headless engine.
- ``docs``: the generated function list (``python -m mlsysim.macros.docs``).
"""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    if name.startswith("MLSYS_"):
        from .registry import CALLABLES

        if name in CALLABLES:
            return CALLABLES[name]
    if name in ("REGISTRY", "CALLABLES"):
        from . import registry

        return getattr(registry, name)
    if name == "set_catalog":  # the catalog every function looks ids up in (``resolve.set_catalog``)
        from .resolve import set_catalog

        return set_catalog
    raise AttributeError(f"module 'mlsysim.macros' has no attribute {name!r}")


def __dir__() -> list[str]:
    from .registry import CALLABLES

    return sorted([*CALLABLES, "CALLABLES", "REGISTRY", "set_catalog"])
