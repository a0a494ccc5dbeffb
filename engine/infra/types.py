"""Grids (carbon intensity, electricity price) and facilities (PUE, WUE): SI floats per joule."""

from __future__ import annotations

from dataclasses import dataclass

from ..entry import CatalogEntry
from ..errors import InvalidInputError
from ..solvers.checks import non_negative, positive
from ..units import Q_

# "direct": combustion at the plant only; "lifecycle": plus fuel supply chain and construction.
CARBON_BASES = ("direct", "lifecycle")


@dataclass(frozen=True, slots=True)
class GridSpec:
    """An electricity grid: kg CO2e per J and USD per J of delivered energy."""

    name: str
    carbon_intensity: float
    electricity_price: float | None
    carbon_year: str = ""
    # "direct" (combustion at the plant only) or "lifecycle" (plus fuel supply chain, construction).
    carbon_basis: str = ""

    def __post_init__(self) -> None:
        positive("carbon_intensity", self.carbon_intensity)
        if self.electricity_price is not None:
            positive("electricity_price", self.electricity_price)
        if self.carbon_basis not in ("", *CARBON_BASES):
            raise InvalidInputError("carbon_basis", self.carbon_basis, f"one of {', '.join(CARBON_BASES)}")


@dataclass(frozen=True, slots=True)
class DatacenterSpec:
    """A facility: PUE (total/IT energy) and WUE in litres per J of IT energy (The Green Grid)."""

    name: str
    pue: float
    wue: float

    def __post_init__(self) -> None:
        """PUE is total over IT energy (at least 1); WUE may be 0 (a dry-cooled facility)."""
        if not (isinstance(self.pue, int | float) and 1.0 <= self.pue < float("inf")):
            raise InvalidInputError("pue", self.pue, "PUE is total over IT energy, a number >= 1.0")
        non_negative("wue", self.wue)


@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class Grid(CatalogEntry):
    """A catalog grid, e.g. ``mlsysim.Infra.Grids.Quebec``."""

    spec: GridSpec

    @property
    def carbon_intensity(self):
        return Q_(self.spec.carbon_intensity, "kg/J").to("g/kWh")

    @property
    def carbon_year(self) -> str:
        return self.spec.carbon_year

    @property
    def carbon_basis(self) -> str:
        return self.spec.carbon_basis


@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class Datacenter(CatalogEntry):
    """A catalog facility profile, e.g. ``mlsysim.Infra.Datacenters.hyperscale``."""

    spec: DatacenterSpec

    @property
    def pue(self) -> float:
        return self.spec.pue

    @property
    def wue(self):
        """Site water per IT energy (The Green Grid's WUE), in L/kWh."""
        return Q_(self.spec.wue, "L/J").to("L/kWh")
