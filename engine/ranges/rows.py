"""Many scenarios' ranges in one evaluation: the composite's inputs stacked as columns (shape
(rows, 1)) against the drivers' draws (shape (draws,)), so the cores broadcast to (rows, draws).

The draws come from the same seeded generator in the same order as ``propagate.monte_carlo``, so
every row's quantiles equal a call of ``monte_carlo`` on that row alone (by test).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .bands import check_quantile
from .propagate import DEFAULT_DRAWS, Composite

__all__ = ["row_bands", "stacked"]


def stacked(rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Per key, the rows' values as a column (a tuple of columns for a tuple value; None stays
    None and must be None in every row)."""
    out: dict[str, Any] = {}
    for key in rows[0]:
        first = rows[0][key]
        if first is None:
            out[key] = None
        elif isinstance(first, tuple):
            out[key] = tuple(
                np.array([r[key][j] for r in rows], dtype=float)[:, None] for j in range(len(first))
            )
        else:
            out[key] = np.array([r[key] for r in rows], dtype=float)[:, None]
    return out


def row_bands(
    composite: Composite, quantiles: Sequence[float], draws: int = DEFAULT_DRAWS, seed: int = 0
) -> tuple[np.ndarray, list[np.ndarray]]:
    """(base per row, [quantile q per row for q in quantiles]) of a composite on stacked inputs."""
    qs = [check_quantile(q) for q in quantiles]
    rng = np.random.default_rng(seed)
    values = {d.name: d.sample(rng, draws) for d in composite.drivers}
    out = np.asarray(composite.evaluate(values), dtype=float)
    base = np.asarray(composite.evaluate({d.name: d.base for d in composite.drivers}), dtype=float)
    return base.reshape(-1), [np.quantile(out, q, axis=-1).reshape(-1) for q in qs]
