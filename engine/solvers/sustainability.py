"""Operational carbon and water of a fleet (The Green Grid PUE WP#49 and WUE WP#35).

Facility energy = IT energy × PUE; carbon = facility energy × grid carbon intensity; water =
IT energy × WUE (WUE is defined per IT kWh). Embodied carbon, when asked for, is the devices'
manufacturing footprint amortised over the same period as their CapEx.
"""

from __future__ import annotations

from typing import NamedTuple

from ..assumptions import Assumptions
from ..errors import InvalidInputError
from ..infra.types import DatacenterSpec, GridSpec
from ..systems.types import FleetSpec
from .checks import positive
from .economics import DAYS_PER_YEAR, SECONDS_PER_DAY
from .power import it_energy


class SustainabilityEstimate(NamedTuple):
    """Energy in J, carbon in kg CO2e, water in L."""

    carbon_footprint_kg: float
    operational_carbon_kg: float
    embodied_carbon_kg: float
    energy: float
    it_energy: float
    water_usage_liters: float
    pue: float
    wue: float
    carbon_intensity: float
    feasible: bool = True
    constraint: str = ""


def sustainability(
    fleet: FleetSpec,
    duration_days: float,
    grid: GridSpec,
    datacenter: DatacenterSpec,
    assumptions: Assumptions,
    *,
    include_embodied: bool = False,
) -> SustainabilityEstimate:
    days = positive("duration_days", duration_days)
    it = it_energy(fleet, days * SECONDS_PER_DAY, assumptions)
    facility = it * datacenter.pue
    operational = facility * grid.carbon_intensity
    embodied = 0.0
    if include_embodied:
        per_device = fleet.accelerator.embodied_carbon
        if per_device is None:
            raise InvalidInputError(
                "include_embodied",
                True,
                f"the catalog has no embodied carbon for {fleet.accelerator.name}",
            )
        share = min(days / DAYS_PER_YEAR, assumptions.amortization_years)
        embodied = fleet.accelerators * per_device * share / assumptions.amortization_years
    return SustainabilityEstimate(
        carbon_footprint_kg=operational + embodied,
        operational_carbon_kg=operational,
        embodied_carbon_kg=embodied,
        energy=facility,
        it_energy=it,
        water_usage_liters=it * datacenter.wue,
        pue=datacenter.pue,
        wue=datacenter.wue,
        carbon_intensity=grid.carbon_intensity,
    )
