"""Ranges and sensitivity: how far to trust an estimate, and what moves it.

- ``bands``: validated P10-P90 bands per estimate family from leave-one-out residuals;
- ``coverage``: the share of held-out cases inside their band;
- ``spreads``: sourced low/high of the inputs finance stresses (``[spreads]`` in assumptions.toml);
- ``evidence``: the validated band of each headline field of a result (``result.range(field)``);
- ``load``: replicas needed at a quantile, from the throughput-at-load band;
- ``propagate``, ``composites``, ``rows`` and ``sensitivity`` (import them by name): seeded Monte
  Carlo of the composites (TCO, cost per million tokens, run cost, carbon) on the array cores, for
  one scenario or many rows at once, the tornado and the two-way table;
- ``sweep_bands``: ``with_bands(frame, solver)``, a sweep with P10/P90 columns;
- ``report``: the ranges section of ``mlsysim validate``.

Facades: ``mlsysim.api.ranges.RangesModel().solve(solver, **inputs)``.
"""

from .bands import CENTRAL, MIN_CASES, Band, band, check_quantile
from .coverage import Coverage, coverage
from .families import FAMILIES, Family
from .spreads import Spread

__all__ = [
    "CENTRAL",
    "FAMILIES",
    "MIN_CASES",
    "Band",
    "Coverage",
    "Family",
    "Spread",
    "band",
    "check_quantile",
    "coverage",
]
