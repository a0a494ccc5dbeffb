"""Cloud rental prices: what a provider charges per accelerator-hour, by commitment term.

A catalog price entry (``catalog/prices/cloud.toml``) is one provider's instance type in one region:
its accelerator (a hardware entry), how many it carries, the date the price was read, and up to four
rates in USD per accelerator-hour: on demand, 1-year and 3-year committed, and spot. Inside the
engine a rate is USD per accelerator-second (SI). A term the source does not list is absent, never
zero: asking for it is an error naming the terms the entry has.

Billing: on-demand and spot bill the hours used; a committed (reserved) term bills every hour of
the term whether the accelerators are busy or not.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import Any

from .entry import CatalogEntry
from .errors import InvalidInputError
from .hardware.types import HardwareNode, HardwareSpec
from .names import closest, normalize
from .solvers.checks import positive, whole

SECONDS_PER_HOUR = 3600.0
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

__all__ = [
    "CloudPrice",
    "PriceSpec",
    "Term",
    "cheapest",
    "offers",
]


class Term(StrEnum):
    """A rental commitment; the values are the catalog's field names."""

    ON_DEMAND = "on_demand"
    RESERVED_1YR = "reserved_1yr"
    RESERVED_3YR = "reserved_3yr"
    SPOT = "spot"

    @property
    def bills_idle(self) -> bool:
        """A committed term is paid for every hour, used or not."""
        return self in (Term.RESERVED_1YR, Term.RESERVED_3YR)

    @property
    def label(self) -> str:
        return _LABELS[self]

    @classmethod
    def parse(cls, value: str | Term, argument: str = "term") -> Term:
        """``on_demand``, ``on-demand``, ``1yr``, ``reserved 3 year``, ``spot``, ``preemptible``..."""
        if isinstance(value, Term):
            return value
        found = _SPELLINGS.get(value) if isinstance(value, str) else None  # as written: no normalising
        if found is None:
            found = _SPELLINGS.get(normalize(str(value)))
        if found is None:
            valid = [t.value for t in cls]
            hint = closest(str(value), list(_SPELLINGS))
            near = f" (closest: {', '.join(hint)})" if hint else ""
            raise InvalidInputError(argument, value, f"expected one of {', '.join(valid)}{near}")
        return found


_LABELS = {
    Term.ON_DEMAND: "on-demand",
    Term.RESERVED_1YR: "1-year committed",
    Term.RESERVED_3YR: "3-year committed",
    Term.SPOT: "spot",
}
_SPELLINGS: dict[str, Term] = (
    {t.value: t for t in Term}
    | {normalize(t.value): t for t in Term}
    | {
        "ondemand": Term.ON_DEMAND,
        "payasyougo": Term.ON_DEMAND,
        "list": Term.ON_DEMAND,
        "1yr": Term.RESERVED_1YR,
        "1y": Term.RESERVED_1YR,
        "1year": Term.RESERVED_1YR,
        "reserved1y": Term.RESERVED_1YR,
        "committed1yr": Term.RESERVED_1YR,
        "3yr": Term.RESERVED_3YR,
        "3y": Term.RESERVED_3YR,
        "3year": Term.RESERVED_3YR,
        "reserved3y": Term.RESERVED_3YR,
        "committed3yr": Term.RESERVED_3YR,
        "preemptible": Term.SPOT,
        "interruptible": Term.SPOT,
    }
)


@dataclass(frozen=True, slots=True)
class PriceSpec:
    """One rental offer in SI: ``rates[term]`` in USD per accelerator-second."""

    name: str
    provider: str
    instance: str
    region: str
    accelerator: HardwareSpec
    accelerators_per_instance: int
    date_read: str
    rates: Mapping[Term, float]

    def __post_init__(self) -> None:
        whole("accelerators_per_instance", self.accelerators_per_instance)
        if not self.rates:
            raise InvalidInputError(
                "rates", {}, "at least one of on_demand, reserved_1yr, reserved_3yr, spot"
            )
        for term, rate in self.rates.items():
            positive(Term(term).value, rate)
        if not _DATE.match(self.date_read):
            raise InvalidInputError(
                "date_read", self.date_read, "a date YYYY-MM-DD (when the price was read)"
            )

    def rate(self, term: Term | str) -> float:
        """USD per accelerator-second on ``term``; a term this offer does not list is an error."""
        chosen = Term.parse(term)
        found = self.rates.get(chosen)
        if found is None:
            listed = ", ".join(t.value for t in self.rates)
            raise InvalidInputError(
                "term",
                chosen.value,
                f"{self.name} has no {chosen.label} price in the catalog; it lists {listed}",
            )
        return found

    def hourly(self, term: Term | str) -> float:
        """USD per accelerator-hour on ``term`` (the unit prices are read and shown in)."""
        return self.rate(term) * SECONDS_PER_HOUR


@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class CloudPrice(CatalogEntry):
    """A catalog rental offer; it holds its accelerator's entry."""

    spec: PriceSpec
    accelerator: HardwareNode

    @property
    def accelerator_id(self) -> str:
        return self.accelerator.id


def offers(catalog: Any, accelerator: Any, term: Term | str | None = None) -> list[CloudPrice]:
    """The catalog's offers for ``accelerator`` (an entry, a spec or a name), with a price on
    ``term`` when one is given, cheapest first."""
    spec = catalog.spec("hardware", accelerator, HardwareSpec)
    chosen = None if term is None else Term.parse(term)
    found = _by_accelerator(catalog).get(id(spec))
    if found is None:  # a spec that is not the catalog's own object: compare by value
        found = [p for p in catalog.entries["price"].values() if p.spec.accelerator == spec]
    found = [p for p in found if chosen is None or chosen in p.spec.rates]
    return sorted(found, key=lambda p: (p.spec.rates.get(chosen or Term.ON_DEMAND, float("inf")), p.id))


@lru_cache(maxsize=16)
def _by_accelerator(catalog: Any) -> dict[int, list[CloudPrice]]:
    """Offers by the identity of their accelerator's spec (the catalog's entries share theirs)."""
    index: dict[int, list[CloudPrice]] = {}
    for price in catalog.entries["price"].values():
        index.setdefault(id(price.spec.accelerator), []).append(price)
    return index


def cheapest(catalog: Any, accelerator: Any, term: Term | str) -> CloudPrice:
    """The lowest ``term`` rate for ``accelerator``; none in the catalog is an error (never $0)."""
    spec = catalog.spec("hardware", accelerator, HardwareSpec)
    chosen = Term.parse(term)
    if id(spec) in _by_accelerator(catalog):
        return _cheapest_of_catalog(catalog, id(spec), chosen)
    return _cheapest(catalog, spec, chosen)


@lru_cache(maxsize=1024)
def _cheapest_of_catalog(catalog: Any, spec_id: int, term: Term) -> CloudPrice:
    return _cheapest(catalog, _by_accelerator(catalog)[spec_id][0].spec.accelerator, term)


def _cheapest(catalog: Any, accelerator: Any, term: Term) -> CloudPrice:
    found = offers(catalog, accelerator, term)
    if not found:
        spec = catalog.spec("hardware", accelerator, HardwareSpec)
        others = offers(catalog, spec)
        if others:
            terms = sorted({t.value for p in others for t in p.spec.rates})
            listed = f"its offers ({', '.join(p.id for p in others)}) list {', '.join(terms)}"
        else:
            listed = f"no offer rents it; rented accelerators: {_listed(catalog.entries['price'].values())}"
        raise InvalidInputError(
            "offer",
            "cheapest",
            f"the catalog has no {Term.parse(term).label} rental price for {spec.name}; {listed}",
        )
    return found[0]


def _listed(prices: Iterable[CloudPrice]) -> str:
    return ", ".join(sorted({p.accelerator_id for p in prices})) or "none"
