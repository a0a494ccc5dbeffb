"""Operational carbon and water of a fleet (The Green Grid PUE WP#49 and WUE WP#35).

Facility energy = IT energy × PUE; carbon = facility energy × grid carbon intensity; water =
IT energy × WUE (WUE is defined per IT kWh). Embodied carbon, when asked for, is the devices'
manufacturing footprint amortised over the same period as their CapEx.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from ..assumptions import Assumptions
from ..errors import InvalidInputError
from ..infra.types import DatacenterSpec, GridSpec
from ..systems.types import FleetSpec
from .checks import finite_or_infeasible, positive
from .economics import DAYS_PER_YEAR, SECONDS_PER_DAY
from .ops import SCALAR, Ops
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
    per_device = 0.0
    if include_embodied:
        if fleet.accelerator.embodied_carbon is None:
            raise InvalidInputError(
                "include_embodied",
                True,
                f"the catalog has no embodied carbon for {fleet.accelerator.name}",
            )
        per_device = fleet.accelerator.embodied_carbon
    return finite_or_infeasible(
        sustainability_core(
            nodes=fleet.nodes,
            node_power=fleet.node.node_power,
            accelerators=fleet.accelerators,
            embodied_per_accelerator=per_device,
            days=days,
            carbon_intensity=grid.carbon_intensity,
            pue=datacenter.pue,
            wue=datacenter.wue,
            assumptions=assumptions,
            ops=SCALAR,
        )
    )


def sustainability_core(
    *,
    nodes: Any,
    node_power: Any,
    accelerators: Any,
    embodied_per_accelerator: Any,
    days: Any,
    carbon_intensity: Any,
    pue: Any,
    wue: Any,
    assumptions: Assumptions,
    ops: Ops,
) -> SustainabilityEstimate:
    """The carbon and water equations on plain numbers (scalars, or numpy arrays with numpy
    ``ops``); ``embodied_per_accelerator`` is 0 when embodied carbon is not asked for."""
    a = assumptions
    it = it_energy(nodes, node_power, days * SECONDS_PER_DAY, a)
    facility = it * pue
    operational = facility * carbon_intensity
    share = ops.minimum(days / DAYS_PER_YEAR, a.amortization_years)
    embodied = accelerators * embodied_per_accelerator * share / a.amortization_years
    return SustainabilityEstimate(
        carbon_footprint_kg=operational + embodied,
        operational_carbon_kg=operational,
        embodied_carbon_kg=embodied,
        energy=facility,
        it_energy=it,
        water_usage_liters=it * wue,
        pue=pue,
        wue=wue,
        carbon_intensity=carbon_intensity,
    )
