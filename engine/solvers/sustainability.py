"""Operational carbon and water of a fleet (The Green Grid PUE WP#49 and WUE WP#35).

Facility energy = IT energy × PUE; carbon = facility energy × grid carbon intensity; water =
IT energy × WUE (WUE is defined per IT kWh). Energy is reported on every basis
(``mlsysim.solvers.power``); the seed's ``energy`` is the facility energy (``energy_basis``).

Embodied carbon, when asked for, is the manufacturing footprint amortised over the same period as
the CapEx: per accelerator, the node's footprint divided by its accelerators (host included) when
the catalog has one for the node, else the accelerator's own (``embodied_basis`` says which).
"""

from __future__ import annotations

from typing import Any, NamedTuple

from ..assumptions import Assumptions
from ..errors import InvalidInputError
from ..infra.types import DatacenterSpec, GridSpec
from ..systems.types import FleetSpec, NodeSpec
from .checks import finite_or_infeasible, positive
from .economics import DAYS_PER_YEAR, SECONDS_PER_DAY
from .finance_checks import utilization as check_utilization
from .ops import SCALAR, Ops
from .power import FACILITY, accelerator_energy, facility_energy, it_energy

EMBODIED_NODE = "node share"
EMBODIED_ACCELERATOR = "accelerator only"
EMBODIED_NONE = "not included"


class SustainabilityEstimate(NamedTuple):
    """Energy in J, carbon in kg CO2e, water in L."""

    carbon_footprint_kg: float
    operational_carbon_kg: float
    embodied_carbon_kg: float
    energy: float
    it_energy: float
    facility_energy: float
    accelerator_energy: float
    water_usage_liters: float
    pue: float
    wue: float
    carbon_intensity: float
    energy_basis: str = FACILITY
    embodied_basis: str = EMBODIED_NONE
    feasible: bool = True
    constraint: str = ""


def embodied_per_accelerator(node: NodeSpec) -> tuple[float, str]:
    """(kg CO2e per accelerator, basis): the node's footprint per accelerator (host included) when
    it has one, else the accelerator's own; missing both is an input error, never zero."""
    if node.embodied_carbon is not None:
        return node.embodied_carbon / node.accelerators_per_node, EMBODIED_NODE
    if node.accelerator.embodied_carbon is not None:
        return node.accelerator.embodied_carbon, EMBODIED_ACCELERATOR
    raise InvalidInputError(
        "include_embodied",
        True,
        f"the catalog has no embodied carbon for {node.accelerator.name} or node {node.name}",
    )


def sustainability(
    fleet: FleetSpec,
    duration_days: float,
    grid: GridSpec,
    datacenter: DatacenterSpec,
    assumptions: Assumptions,
    *,
    include_embodied: bool = False,
    utilization: float = 1.0,
) -> SustainabilityEstimate:
    days = positive("duration_days", duration_days)
    busy = check_utilization(utilization)
    per_device, basis = embodied_per_accelerator(fleet.node) if include_embodied else (0.0, EMBODIED_NONE)
    estimate = finite_or_infeasible(
        sustainability_core(
            nodes=fleet.nodes,
            node_power=fleet.node.node_power,
            accelerators=fleet.accelerators,
            accelerator_tdp=fleet.accelerator.tdp,
            embodied_per_accelerator=per_device,
            days=days,
            carbon_intensity=grid.carbon_intensity,
            pue=datacenter.pue,
            wue=datacenter.wue,
            assumptions=assumptions,
            ops=SCALAR,
            utilization=busy,
        )
    )
    return estimate._replace(embodied_basis=basis)


def sustainability_core(
    *,
    nodes: Any,
    node_power: Any,
    accelerators: Any,
    accelerator_tdp: Any,
    embodied_per_accelerator: Any,
    days: Any,
    carbon_intensity: Any,
    pue: Any,
    wue: Any,
    assumptions: Assumptions,
    ops: Ops,
    utilization: Any = 1.0,
) -> SustainabilityEstimate:
    """The carbon and water equations on plain numbers (scalars, or numpy arrays with numpy
    ``ops``); ``embodied_per_accelerator`` is 0 when embodied carbon is not asked for."""
    a = assumptions
    seconds = days * SECONDS_PER_DAY
    it = it_energy(nodes, node_power, seconds, a, utilization)
    facility = facility_energy(it, pue)
    operational = facility * carbon_intensity
    share = ops.minimum(days / DAYS_PER_YEAR, a.amortization_years)
    embodied = accelerators * embodied_per_accelerator * share / a.amortization_years
    return SustainabilityEstimate(
        carbon_footprint_kg=operational + embodied,
        operational_carbon_kg=operational,
        embodied_carbon_kg=embodied,
        energy=facility,
        it_energy=it,
        facility_energy=facility,
        accelerator_energy=accelerator_energy(accelerators, accelerator_tdp, seconds, a, utilization),
        water_usage_liters=it * wue,
        pue=pue,
        wue=wue,
        carbon_intensity=carbon_intensity,
    )
