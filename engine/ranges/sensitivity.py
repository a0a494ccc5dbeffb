"""Sensitivity: which inputs move a composite most (tornado), and how the top two interact.

One-at-a-time (the tornado diagram of decision analysis; Howard 1988, "Decision analysis: practice
and promise", Management Science 34(6)): each driver is set to its low and to its high with every
other driver at its base, and the drivers are ranked by the swing |f(high) − f(low)|. All 2k
evaluations are one vectorised call of the composite. The two-way table evaluates the two leading
drivers on a grid of their ranges, the others at base (one call as well).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import InvalidInputError
from .propagate import Composite

__all__ = ["TornadoBar", "TwoWay", "tornado", "two_way"]


@dataclass(frozen=True, slots=True)
class TornadoBar:
    driver: str
    label: str
    source: str
    input_low: float
    input_high: float
    at_low: float
    at_high: float

    @property
    def swing(self) -> float:
        return abs(self.at_high - self.at_low)


def tornado(composite: Composite) -> tuple[TornadoBar, ...]:
    """Every driver's bar, largest swing first (ties keep the drivers' order)."""
    drivers = composite.drivers
    k = len(drivers)
    if k == 0:
        return ()
    values = {}
    for i, d in enumerate(drivers):
        column = np.full(2 * k, d.base)
        column[2 * i], column[2 * i + 1] = d.low, d.high
        values[d.name] = column
    out = np.broadcast_to(np.asarray(composite.evaluate(values), dtype=float), (2 * k,))
    bars = [
        TornadoBar(d.name, d.label, d.source, d.low, d.high, float(out[2 * i]), float(out[2 * i + 1]))
        for i, d in enumerate(drivers)
    ]
    return tuple(sorted(bars, key=lambda b: -b.swing))


@dataclass(frozen=True, slots=True)
class TwoWay:
    row_driver: str
    column_driver: str
    row_values: tuple[float, ...]
    column_values: tuple[float, ...]
    table: tuple[tuple[float, ...], ...]  # table[i][j]: row value i, column value j


def two_way(composite: Composite, first: str, second: str, steps: int = 5) -> TwoWay:
    """``composite`` on a ``steps`` x ``steps`` grid of two drivers' ranges, the others at base."""
    by_name = {d.name: d for d in composite.drivers}
    for name in (first, second):
        if name not in by_name:
            raise InvalidInputError("driver", name, f"one of {', '.join(by_name)}")
    if first == second:
        raise InvalidInputError("driver", second, "two different drivers")
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 2:
        raise InvalidInputError("steps", steps, "a whole number >= 2")
    a, b = by_name[first], by_name[second]
    rows, cols = np.linspace(a.low, a.high, steps), np.linspace(b.low, b.high, steps)
    grid_a, grid_b = np.meshgrid(rows, cols, indexing="ij")
    values = {d.name: np.full(steps * steps, d.base) for d in composite.drivers}
    values[first], values[second] = grid_a.ravel(), grid_b.ravel()
    out = np.broadcast_to(np.asarray(composite.evaluate(values), dtype=float), (steps * steps,))
    table = out.reshape(steps, steps)
    return TwoWay(
        first,
        second,
        tuple(float(x) for x in rows),
        tuple(float(x) for x in cols),
        tuple(tuple(float(x) for x in row) for row in table),
    )
