"""``mlsysim.workbooks.recalc``: headless recompute of a workbook (``mlsysim recalc``).

``recalc(path, out=None, *, in_place=False, summary=None, check=False, progress=None)`` evaluates
every formula (native Excel functions with the ``formulas`` package, MLSYS_* functions with the
engine through ``mlsysim.macros.bindings``) and writes the workbook back with each formula's
cached value, keeping every other byte. See ``README.md`` in this folder for the conventions.
"""

from __future__ import annotations

from .errors import UnusableWorkbookError
from .recalculate import MASTER_CHECK, recalc
from .report import CellError, RecalcReport

__all__ = ["MASTER_CHECK", "CellError", "RecalcReport", "UnusableWorkbookError", "recalc"]
