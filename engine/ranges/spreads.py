"""Sourced spreads of the inputs a finance team stresses (``[spreads]`` in assumptions.toml).

A spread gives the plausible low and high of one input with the source they come from:

- ``basis = "factor"``: a multiplier on the scenario's own value (utilisation, node price, rental
  rate, electricity price, PUE, grid carbon intensity, failure rates), so one spread serves every
  site and device; its base is 1;
- ``basis = "value"``: the assumption of the same name itself (e.g. ``average_power_fraction``),
  whose catalog value is the base and must lie between low and high.

Monte Carlo draws an input from the triangular distribution on [low, high] with its mode at the
base, the three-point estimate of cost-risk analysis (NASA Cost Estimating Handbook v4.0, 2015,
§2.4 "Cost risk and uncertainty"); the tornado moves it to its low and its high.

Efficiencies have no spread here: their uncertainty is the validated band of the estimate family
they feed (``bands``), which already includes what the calibration leaves unexplained, and
counting both would count it twice.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..entry import Source
from ..errors import CatalogError, InvalidInputError

__all__ = ["FACTOR", "SPREAD_INPUTS", "VALUE", "Spread", "read_spreads"]

FACTOR = "factor"
VALUE = "value"

# spread name -> what it stresses (for error messages and the Sensitivity sheet)
SPREAD_INPUTS: Mapping[str, str] = {
    "utilization": "share of time the accelerators do useful work (x scenario value, at most 1)",
    "node_price": "purchase price of the node share (x catalog or given price)",
    "rental_rate": "rental price per accelerator-hour (x offer's rate)",
    "electricity_price": "electricity price (x site tariff)",
    "pue": "power usage effectiveness (x site PUE)",
    "carbon_intensity": "grid carbon intensity (x grid value)",
    "failure_rate": "failure rate of every component (x catalog rates)",
    "average_power_fraction": "average draw as a fraction of maximum power (value)",
    "amortization_years": "years over which the hardware is depreciated (value)",
    "maintenance_fraction_per_year": "yearly maintenance as a fraction of purchase price (value)",
}
_KEYS = {"low", "high", "basis", "source", "estimate", "note"}


@dataclass(frozen=True, slots=True)
class Spread:
    """The low and high of one input; ``base`` is 1 for a factor, the assumption for a value."""

    name: str
    low: float
    high: float
    base: float
    basis: str
    source: str = ""
    estimate: str = ""

    def __post_init__(self) -> None:
        for end in ("low", "high", "base"):
            value = getattr(self, end)
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                raise InvalidInputError(f"{self.name}.{end}", value, "a finite number")
            if value <= 0:
                raise InvalidInputError(f"{self.name}.{end}", value, "a positive number")
        if self.low > self.high:
            raise InvalidInputError(
                f"{self.name}.low", self.low, f"a spread's low must not exceed its high ({self.high})"
            )
        if not self.low <= self.base <= self.high:
            raise InvalidInputError(
                f"{self.name}.base",
                self.base,
                f"the base must lie between low {self.low} and high {self.high}",
            )
        if self.basis not in (FACTOR, VALUE):
            raise InvalidInputError(f"{self.name}.basis", self.basis, f"one of {FACTOR!r}, {VALUE!r}")


def read_spreads(
    where: str, raw: Any, sources: Mapping[str, Source], values: Mapping[str, float]
) -> dict[str, Spread]:
    """Check the ``[spreads]`` table: known names, low <= base <= high, a defined source; ``values``
    are the assumptions' SI values (the base of a ``value`` spread)."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise CatalogError(where, f"expected a table of spreads, got {raw!r}")
    out = {}
    for name, table in raw.items():
        here = f"{where}.{name}"
        if name not in SPREAD_INPUTS:
            raise CatalogError(here, f"unknown spread; valid: {', '.join(SPREAD_INPUTS)}")
        if not isinstance(table, dict) or set(table) - _KEYS:
            raise CatalogError(here, f"expected {{low, high, basis, source, estimate}}, got {table!r}")
        basis = table.get("basis", FACTOR)
        if table.get("source") not in sources:
            raise CatalogError(here, f"unknown source id {table.get('source')!r}")
        if basis == VALUE and name not in values:
            raise CatalogError(here, f"basis 'value' needs an assumption named {name!r}")
        base = values[name] if basis == VALUE else 1.0
        low, high = (_number(table.get(end)) for end in ("low", "high"))
        try:
            out[name] = Spread(name, low, high, base, basis, table["source"], table.get("estimate", ""))
        except InvalidInputError as exc:
            raise CatalogError(here, str(exc)) from None
    return out


def _number(value: Any) -> Any:
    """A TOML integer as a float; anything else unchanged, for ``Spread`` to reject."""
    return float(value) if isinstance(value, int) and not isinstance(value, bool) else value
