"""Propagation: a composite result's distribution from its drivers, by seeded Monte Carlo.

A ``Composite`` is a result (TCO, cost per million tokens, run cost, carbon) written as one call of
the array cores on its drivers: every driver is an array of draws (or its base), so 1,000 draws are
one vectorised evaluation, not 1,000 solver calls. Drivers are of two kinds:

- a spread (``spreads``): triangular on [low, high] with its mode at the base;
- a validated band (``bands``): the family's leave-one-out time ratios resampled with replacement
  (the bootstrap of residuals, Efron and Tibshirani 1993, ch. 9.5), so the model's own error enters
  with its measured shape, skew included. A family without a validated range contributes no driver,
  and the composite's ``note`` says so.

The same seed gives the same draws (numpy's PCG64), so a range is reproducible. The result's P10
and P90 are the sample quantiles of the draws (numpy's default linear interpolation).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import InvalidInputError
from .bands import CENTRAL, Band, check_quantile
from .spreads import FACTOR, Spread

__all__ = ["Composite", "CompositeRange", "Driver", "band_driver", "monte_carlo", "spread_driver"]

DEFAULT_DRAWS = 1000


@dataclass(frozen=True, slots=True)
class Driver:
    """One uncertain input of a composite: its low, base and high, and how to draw it."""

    name: str
    label: str
    low: float
    base: float
    high: float
    source: str
    sample: Callable[[np.random.Generator, int], np.ndarray]


def spread_driver(spread: Spread) -> Driver:
    label = (
        f"{spread.name} (x{spread.low:g} to x{spread.high:g})"
        if spread.basis == FACTOR
        else (f"{spread.name} ({spread.low:g} to {spread.high:g})")
    )

    def sample(rng: np.random.Generator, n: int) -> np.ndarray:
        if spread.low == spread.high:
            return np.full(n, spread.base)
        return rng.triangular(spread.low, spread.base, spread.high, n)

    return Driver(spread.name, label, spread.low, spread.base, spread.high, spread.source, sample)


def band_driver(name: str, band: Band, orientation_label: str) -> Driver | None:
    """The model error of ``band`` as a time-ratio driver, or None when the band is not validated."""
    low, high = band.ratio(CENTRAL[0]), band.ratio(CENTRAL[1])
    if low is None or high is None:
        return None
    ratios = np.asarray(band.ratios)

    def sample(rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.choice(ratios, n)

    label = f"{orientation_label} model error (P10 x{low:.2f}, P90 x{high:.2f})"
    return Driver(name, label, low, 1.0, high, f"leave-one-out, {band.provenance()}", sample)


@dataclass(frozen=True, slots=True)
class Composite:
    """A composite result as a function of its drivers' values (arrays broadcast)."""

    name: str
    unit: str
    drivers: tuple[Driver, ...]
    evaluate: Callable[[Mapping[str, Any]], Any]
    note: str = ""

    def base(self) -> float:
        return float(self.evaluate({d.name: d.base for d in self.drivers}))


@dataclass(frozen=True, slots=True)
class CompositeRange:
    """The Monte Carlo distribution of a composite: its base (the point estimate) and draws."""

    name: str
    unit: str
    base: float
    draws: np.ndarray
    seed: int
    drivers: tuple[str, ...]
    note: str

    def quantile(self, q: float) -> float:
        return float(np.quantile(self.draws, check_quantile(q)))

    @property
    def low(self) -> float:
        return self.quantile(CENTRAL[0])

    @property
    def high(self) -> float:
        return self.quantile(CENTRAL[1])

    def provenance(self) -> str:
        text = f"P10-P90 of {self.draws.size} seeded Monte Carlo draws (seed {self.seed}) over " + (
            ", ".join(self.drivers) or "no drivers"
        )
        return f"{text}; {self.note}" if self.note else text


def check_draws(draws: Any, seed: Any) -> None:
    """Raise ``InvalidInputError`` unless ``draws`` (>= 2) and ``seed`` (>= 0) are whole numbers."""
    if isinstance(draws, bool) or not isinstance(draws, int) or draws < 2:
        raise InvalidInputError("draws", draws, "a whole number of Monte Carlo draws >= 2, e.g. 1000")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise InvalidInputError("seed", seed, "a whole number >= 0")


def monte_carlo(composite: Composite, draws: int = DEFAULT_DRAWS, seed: int = 0) -> CompositeRange:
    """``draws`` joint draws of the drivers (independent), evaluated in one call of the cores."""
    check_draws(draws, seed)
    rng = np.random.default_rng(seed)
    values = {d.name: d.sample(rng, draws) for d in composite.drivers}
    out = np.broadcast_to(np.asarray(composite.evaluate(values), dtype=float), (draws,))
    return CompositeRange(
        composite.name,
        composite.unit,
        composite.base(),
        np.array(out),
        seed,
        tuple(d.name for d in composite.drivers),
        composite.note,
    )
