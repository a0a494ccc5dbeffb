"""The one error of the headless recompute: a workbook it cannot use (CLI exit code 2).

It is an ``InvalidInputError`` (a ``ValueError``) naming the workbook, and the message says what is
wrong with it and what would work, e.g. ``invalid workbook='plan.xls': a legacy .xls (BIFF) file;
save it as .xlsx``.
"""

from __future__ import annotations

from pathlib import Path

from mlsysim.errors import InvalidInputError


class UnusableWorkbookError(InvalidInputError):
    """The input cannot be recomputed: not an .xlsx, damaged, hostile, too large, or its formulas
    cannot be evaluated (unknown function, circular reference)."""

    def __init__(self, path: str | Path, problem: str) -> None:
        self.path = str(path)
        self.problem = problem
        super().__init__("workbook", Path(path).name, problem)
