"""Training sweeps: ``DistributedModel().solve`` row by row.

The 3D-parallel step has branches on integer divisibility, link choice and ZeRO stage that do not
vectorise cleanly, and a training sweep is thousands of rows, not millions; each row is one call of
the facade, so it equals the scalar path by construction.
"""

from __future__ import annotations

import numpy as np

from ..errors import MlsysimError
from .columns import COLUMNS
from .facades import facade
from .scenarios import Scenarios


def training_rows(s: Scenarios) -> dict[str, object]:
    fields = [c.field for c in COLUMNS["training"] if c.kind == "number"]
    values = {name: np.full(s.rows, np.nan) for name in fields}
    feasible = np.zeros(s.rows, dtype=bool)
    solve = facade("training", s.catalog)
    messages: dict[int, str] = {}
    for row in range(s.rows):
        try:
            estimate = solve(**s.row_arguments(row)).estimate
        except MlsysimError as exc:
            messages[row] = str(exc)
            continue
        for name in fields:
            values[name][row] = getattr(estimate, name)
        feasible[row] = estimate.feasible
    failed = np.zeros(s.rows, dtype=bool)
    failed[list(messages)] = True
    s.errors.add_rows(failed, (np.arange(s.rows),), messages.__getitem__)
    return {**values, "feasible": feasible}
