"""Validated bands: how far the truth lay from the engine's estimate on cases it had not seen.

For every validation case the engine's leave-one-out estimate (``mlsysim.validation.loo``: the
calibrated efficiencies refitted without that case) is compared with the published measurement,
as a time ratio (``families``). A family's band for a central share p is the split-conformal
interval of its ratios (Vovk, Gammerman and Shafer 2005, ch. 2; Lei et al. 2018, "Distribution-free
predictive inference for regression", JASA 113(523), Lemma 2): with the n ratios sorted, the
quantile q is the order statistic of rank ⌊q·(n+1)⌋ below the median and ⌈q·(n+1)⌉ above it. If
a new case is exchangeable with the validated ones, its ratio falls inside [P(1−p)/2, P(1+p)/2]
with probability at least p. The rank must lie in 1..n, so P10–P90 needs at least
``MIN_CASES`` = 9 cases; with fewer a family has no validated range, and none is invented.

The ratios are package data (``loo_ratios.json``), written by ``mlsysim validate --write-ratios``
(leave-one-out by one Gauss-Newton step from the fit, which tests/validation hold within 1 % of a
full refit per case; ``--loo`` refits in full), so that a range costs a look-up, not a refit.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import CatalogError, InvalidInputError, UnknownEntryError
from ..names import closest
from .families import DURATION, FAMILIES, family_of_metric

__all__ = [
    "CENTRAL",
    "MIN_CASES",
    "Band",
    "CaseRatio",
    "band",
    "bands",
    "check_quantile",
    "order_rank",
    "ratios_from_loo",
    "read_ratios",
    "write_ratios",
]

CENTRAL = (0.1, 0.9)  # the headline band: P10-P90
MIN_CASES = 9  # smallest n with rank ⌊0.1 (n + 1)⌋ >= 1


@dataclass(frozen=True, slots=True)
class CaseRatio:
    """One validation case's leave-one-out time ratio (measured / estimated for a duration)."""

    id: str
    category: str
    metric: str
    family: str
    ratio: float


def check_quantile(q: Any, argument: str = "quantile") -> float:
    """``q`` as a float strictly inside (0, 1), else an InvalidInputError naming it."""
    try:
        value = float(q)
    except (TypeError, ValueError):
        raise InvalidInputError(argument, q, "a quantile is a number strictly between 0 and 1") from None
    if not 0.0 < value < 1.0:
        raise InvalidInputError(
            argument, q, "a quantile is a number strictly between 0 and 1, e.g. 0.1 or 0.9"
        )
    return value


def order_rank(q: float, n: int) -> int:
    """1-based rank of the conformal ``q`` quantile among n sorted values (may fall outside 1..n)."""
    position = q * (n + 1)
    if q < 0.5:
        return math.floor(position + 1e-9)
    if q > 0.5:
        return math.ceil(position - 1e-9)
    return max(1, min(n, round(position)))


@dataclass(frozen=True, slots=True)
class Band:
    """A family's validated time ratios and what they rest on."""

    family: str
    title: str
    ratios: tuple[float, ...]  # sorted
    categories: Mapping[str, int]  # validation category -> cases

    @property
    def cases(self) -> int:
        return len(self.ratios)

    def ratio(self, q: float) -> float | None:
        """The time ratio at quantile ``q``, or None when the cases are too few to bound it."""
        rank = order_rank(check_quantile(q), self.cases)
        if not 1 <= rank <= self.cases:
            return None
        return self.ratios[rank - 1]

    def factor(self, q: float, orientation: str = DURATION) -> float | None:
        """What multiplies a point estimate to give its ``q`` quantile: the time ratio for a
        duration, the reciprocal of the opposite quantile's for a rate."""
        if orientation == DURATION:
            return self.ratio(q)
        opposite = self.ratio(1.0 - check_quantile(q))
        return None if opposite is None else 1.0 / opposite

    @property
    def validated(self) -> bool:
        return self.ratio(CENTRAL[0]) is not None and self.ratio(CENTRAL[1]) is not None

    def provenance(self) -> str:
        where = ", ".join(f"{k} ({n})" for k, n in self.categories.items()) or "none"
        if not self.validated:
            return (
                f"no validated range: {self.cases} leave-one-out cases for {self.title} "
                f"(P10-P90 needs {MIN_CASES}); categories: {where}"
            )
        return f"P10-P90 of {self.cases} leave-one-out cases for {self.title}; categories: {where}"


def ratios_from_loo(cases: Any, results: Sequence[Any]) -> tuple[CaseRatio, ...]:
    """Each leave-one-out result (``mlsysim.validation.leave_one_out``) as a time ratio."""
    metric_of = {c.id: c.metric for c in cases.cases}
    out = []
    for r in results:
        claimed = family_of_metric(metric_of[r.id])
        if claimed is None:
            continue
        family, orientation = claimed
        ratio = r.measured / r.estimated if orientation == DURATION else r.estimated / r.measured
        out.append(CaseRatio(r.id, r.category, metric_of[r.id], family, ratio))
    return tuple(out)


def _default_path() -> Path:
    return Path(str(resources.files(__package__).joinpath("loo_ratios.json")))


def write_ratios(ratios: Sequence[CaseRatio], path: Path, origin: str = "") -> None:
    """Write the ratios as JSON (atomically: a temporary file renamed over ``path``); ``origin``
    says how the leave-one-out estimates were made."""
    body = {
        "about": "leave-one-out time ratios of the validation cases (mlsysim validate --write-ratios)",
        "origin": origin,
        "cases": [
            {"id": r.id, "category": r.category, "metric": r.metric, "family": r.family, "ratio": r.ratio}
            for r in ratios
        ],
    }
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(body, indent=1) + "\n", encoding="utf-8")
    tmp.replace(path)


def read_ratios(path: str | Path | None = None) -> tuple[CaseRatio, ...]:
    where = Path(path) if path is not None else _default_path()
    try:
        raw = json.loads(where.read_text(encoding="utf-8"))
        rows = tuple(CaseRatio(**row) for row in raw["cases"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CatalogError(str(where), f"cannot read the leave-one-out ratios: {exc}") from exc
    for row in rows:
        if row.family not in FAMILIES or not (row.ratio > 0 and math.isfinite(row.ratio)):
            raise CatalogError(str(where), f"case {row.id}: family {row.family!r}, ratio {row.ratio!r}")
    return rows


def bands(ratios: Sequence[CaseRatio]) -> dict[str, Band]:
    """A band for every family (those without cases hold none)."""
    out = {}
    for key, family in FAMILIES.items():
        mine = [r for r in ratios if r.family == key]
        categories: dict[str, int] = {}
        for r in mine:
            categories[r.category] = categories.get(r.category, 0) + 1
        out[key] = Band(key, family.title, tuple(sorted(r.ratio for r in mine)), categories)
    return out


@cache
def _packaged() -> dict[str, Band]:
    return bands(read_ratios())


def band(family: str) -> Band:
    """The packaged band of ``family`` (a key of ``families.FAMILIES``)."""
    packaged = _packaged()
    if family not in packaged:
        raise UnknownEntryError("range family", family, closest(family, packaged))
    return packaged[family]
