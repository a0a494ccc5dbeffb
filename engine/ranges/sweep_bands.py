"""Band columns for a sweep: ``with_bands(frame, solver)`` = ``mlsysim.sweep`` plus, beside each
ranged result column ``c``, the columns ``c_p10`` and ``c_p90`` (or the quantiles asked for).

A validated field's bounds are its column times the family's band factor (one multiplication per
column); a capacity plan's replicas and accelerators get the plans of the traffic scaled by the
throughput band (``mlsysim.ranges.load``), row by row; a field without a validated range gets
empty bounds (NaN) and no number is invented. A finance solver's composite column (TCO, cost per
million tokens, run cost, operational carbon) gets the seeded Monte Carlo quantiles of each row
(``mlsysim.api.ranges.RangesModel``, the same numbers as the facade), with NaN on a row that has
an error or is infeasible.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

from ..errors import InvalidInputError, MlsysimError
from .bands import CENTRAL, band, check_quantile
from .evidence import FIELDS
from .propagate import check_draws

__all__ = ["RESULT_TYPES", "band_column", "with_bands"]

# solver -> the result class its facade returns (the keys of ``evidence.FIELDS``)
RESULT_TYPES = {
    "serving": "ServingResult",
    "training": "TrainingResult",
    "run": "RunResult",
    "batching": "BatchingResult",
    "capacity": "CapacityResult",
}
_COMPOSITE_FIELDS = {
    "economics": "tco_usd",
    "sustainability": "operational_carbon_kg",
    "token_cost": "cost_per_million_tokens_usd",
    "run_cost": "cost_usd",
    "run": "cost_usd",
}


def band_column(name: str, quantile: float) -> str:
    return f"{name}_p{round(quantile * 100):02d}"


def with_bands(
    scenarios: Any,
    solver: str,
    *,
    catalog: Any = None,
    quantiles: tuple[float, float] = CENTRAL,
    draws: int = 1000,
    seed: int = 0,
) -> Any:
    """``mlsysim.sweep(scenarios, solver)`` with band columns (module docstring)."""
    from ..api.ranges import composite_range
    from ..catalog_loader import as_catalog
    from ..sweeps.columns import COLUMNS
    from ..sweeps.evaluate import as_frame, sweep

    check_draws(draws, seed)  # before any row: a row's own error gives empty bounds, this must not
    q = tuple(check_quantile(x, "quantiles") for x in quantiles)
    if len(q) != 2 or q[0] >= q[1]:
        raise InvalidInputError("quantiles", quantiles, "a lower quantile below an upper one")
    chosen = as_catalog(catalog)
    frame = as_frame(scenarios)
    out = sweep(frame, solver, catalog=chosen)
    fields = FIELDS.get(RESULT_TYPES.get(solver, ""), {})
    for column in COLUMNS.get(solver, ()):
        if column.field not in fields:
            continue
        family, orientation = fields[column.field]
        for x in q:
            factor = band(family).factor(x, orientation)
            out[band_column(column.name, x)] = out[column.name] * (math.nan if factor is None else factor)
    if solver == "capacity":
        _replicas_columns(out, frame, chosen, q)
    composite = _COMPOSITE_FIELDS.get(solver)
    if composite is not None:
        name = next(c.name for c in COLUMNS[solver] if c.field == composite)
        bounds: list[tuple[float, float]] = []
        for inputs in _row_arguments(frame, solver, chosen):
            try:
                c = composite_range(solver, inputs, chosen, draws, seed)
            except MlsysimError:
                bounds.append((math.nan, math.nan))
                continue
            bounds.append((math.nan, math.nan) if c is None else (c.quantile(q[0]), c.quantile(q[1])))
        scale = next(c.scale for c in COLUMNS[solver] if c.field == composite)
        out[band_column(name, q[0])] = [b[0] * scale for b in bounds]
        out[band_column(name, q[1])] = [b[1] * scale for b in bounds]
    return out


def _replicas_columns(out: Any, frame: Any, catalog: Any, q: tuple[float, ...]) -> None:
    """``replicas`` and ``accelerators`` bounds per row (``api.ranges.replicas_ranges``)."""
    from ..api.ranges import replicas_ranges
    from ..sweeps.facades import facade

    solve = facade("capacity", catalog)
    bounds: dict[str, list[tuple[float, float]]] = {"replicas": [], "accelerators": []}
    for inputs in _row_arguments(frame, "capacity", catalog):
        try:
            ranged = replicas_ranges(solve, inputs, solve(**inputs), (q[0], q[1]))
        except MlsysimError:
            ranged = ()
        found = {f.field: f for f in ranged if f.validated}
        for key, rows in bounds.items():
            f = found.get(key)
            rows.append((math.nan, math.nan) if f is None else (f.low, f.high))
    for key, rows in bounds.items():
        out[band_column(key, q[0])] = [r[0] for r in rows]
        out[band_column(key, q[1])] = [r[1] for r in rows]


def _row_arguments(frame: Any, solver: str, catalog: Any) -> Iterator[dict[str, Any]]:
    """Each row as the facade's keywords, read as the sweep reads it: column names matched to the
    arguments (case, spaces, dashes and aliases), numbers parsed from text cells (CSV), other
    columns left out. A row the sweep flags raises in the facade and gets empty bounds."""
    from ..sweeps.scenarios import Scenarios

    rows = Scenarios(frame, solver, catalog)
    for row in range(len(frame)):
        yield rows.row_arguments(row)
