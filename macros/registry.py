"""The one registry of Excel-facing functions: name -> ``ExcelFunction`` (arguments, default unit,
description and the plain-Python callable). The xlwings module, xlwings Lite's ``main.py``, the
headless-engine binding and the README's function list are all generated from it. The block
functions (``block_functions``: a family's per-cell functions over a whole table) come last."""

from __future__ import annotations

from . import (
    block_functions,
    family_capacity,
    family_catalog,
    family_economics,
    family_finance,
    family_ranges,
    family_reliability,
    family_roofline,
    family_run,
    family_serving,
    family_sustainability,
    family_training,
)
from .function import ExcelFunction

FAMILIES = (
    family_roofline,
    family_run,
    family_serving,
    family_capacity,
    family_training,
    family_run,
    family_economics,
    family_finance,
    family_sustainability,
    family_reliability,
    family_ranges,
    family_catalog,
)

REGISTRY: dict[str, ExcelFunction] = {fn.name: fn for family in FAMILIES for fn in family.FUNCTIONS}
REGISTRY.update({fn.name: fn for fn in block_functions.make(REGISTRY)})

# The plain-Python callables by name: ``CALLABLES["MLSYS_TTFT"]("Llama3_70B", "H100", 4096, 1)``.
CALLABLES = {name: fn.python for name, fn in REGISTRY.items()}
