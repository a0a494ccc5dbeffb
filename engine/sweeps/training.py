"""Training sweeps: ``DistributedModel().solve``, ``TrainingRunModel().solve`` and
``ParallelismOptimizer().solve`` row by row.

A step's layout has branches on integer divisibility that a row may fail, a run searches layouts
when none is given, and a search is itself a vectorised evaluation of tens of thousands of layouts;
a training sweep is thousands of rows, not millions. Each row is one call of the facade, so it
equals the scalar path by construction.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..errors import MlsysimError
from .columns import COLUMNS
from .facades import facade
from .scenarios import Scenarios


def facade_rows(s: Scenarios) -> dict[str, object]:
    """Every result column of ``s.solver``, from one facade call per row (NaN and an error
    message for a row the facade rejects)."""
    columns = [c for c in COLUMNS[s.solver] if c.field != "constraint"]
    numbers = {c.field: np.full(s.rows, np.nan) for c in columns if c.kind == "number"}
    texts: dict[str, list[Any]] = {c.field: [""] * s.rows for c in columns if c.kind == "text"}
    feasible = np.zeros(s.rows, dtype=bool)
    solve = facade(s.solver, s.catalog)
    messages: dict[int, str] = {}
    for row in range(s.rows):
        try:
            estimate = solve(**s.row_arguments(row)).estimate
        except MlsysimError as exc:
            messages[row] = str(exc)
            continue
        for name, column in numbers.items():
            column[row] = getattr(estimate, name)
        for name, cells in texts.items():
            cells[row] = getattr(estimate, name)
        feasible[row] = estimate.feasible
    failed = np.zeros(s.rows, dtype=bool)
    failed[list(messages)] = True
    s.errors.add_rows(failed, (np.arange(s.rows),), messages.__getitem__)
    coded = {name: _categories(values) for name, values in texts.items()}
    return {**numbers, **coded, "feasible": feasible}


def _categories(values: list[Any]) -> tuple[np.ndarray, list[str]]:
    codes, uniques = pd.factorize(np.asarray(values, dtype=object))
    return codes.astype(np.int64), [str(u) for u in uniques]
