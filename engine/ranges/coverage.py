"""Does the band hold what it says? Coverage of the validated bands, case by case.

For every case of a family, the band is rebuilt from the family's *other* leave-one-out ratios
and the held-out case's own ratio is checked against it (a jackknife of the conformal interval,
Barber et al. 2021, "Predictive inference with the jackknife+", Ann. Statist. 49(1)). The share
inside should be near the band's stated central share (at least 80 % for P10-P90 in expectation).
A family too small to have a band after removing one case reports no coverage.

For distinct ratios that share is fixed by the ranks alone, (n − 2k)/n with k = ⌊0.1·n⌋: it checks
the construction, not the evidence. ``category_coverage`` is the harder test: each validation
category (one source, one kind of setup) held out at once and checked against the band of the
family's other categories, which asks whether a new source's errors look like the old ones'.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .bands import CENTRAL, Band, CaseRatio, bands
from .families import FAMILIES

__all__ = ["Coverage", "category_coverage", "coverage"]


@dataclass(frozen=True, slots=True)
class Coverage:
    family: str
    title: str
    cases: int
    inside: int | None  # None: too few cases for a band without the held-out one
    stated: float

    @property
    def share(self) -> float | None:
        return None if self.inside is None else self.inside / self.cases


def coverage(ratios: Sequence[CaseRatio], central: tuple[float, float] = CENTRAL) -> tuple[Coverage, ...]:
    """Per family: how many held-out cases fall inside the band of the others."""
    stated = central[1] - central[0]
    out = []
    for key, family in FAMILIES.items():
        mine = [r for r in ratios if r.family == key]
        inside: int | None = 0
        for held in mine:
            others: Band = bands([r for r in mine if r is not held])[key]
            low, high = others.ratio(central[0]), others.ratio(central[1])
            if low is None or high is None:
                inside = None
                break
            inside = (inside or 0) + int(low <= held.ratio <= high)
        out.append(Coverage(key, family.title, len(mine), inside if mine else None, stated))
    return tuple(out)


def category_coverage(
    ratios: Sequence[CaseRatio], central: tuple[float, float] = CENTRAL
) -> tuple[Coverage, ...]:
    """Per family: cases inside the band of the family's other categories, summed over its
    categories; ``inside`` counts only categories whose complement has a band (``cases`` counts
    those categories' cases), None when none has."""
    stated = central[1] - central[0]
    out = []
    for key, family in FAMILIES.items():
        mine = [r for r in ratios if r.family == key]
        inside, cases = 0, 0
        for category in dict.fromkeys(r.category for r in mine):
            others = bands([r for r in mine if r.category != category])[key]
            low, high = others.ratio(central[0]), others.ratio(central[1])
            if low is None or high is None:
                continue
            held = [r for r in mine if r.category == category]
            cases += len(held)
            inside += sum(low <= r.ratio <= high for r in held)
        out.append(Coverage(key, family.title, cases, inside if cases else None, stated))
    return tuple(out)
