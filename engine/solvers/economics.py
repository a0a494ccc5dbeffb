"""Total cost of ownership of a fleet over a period (Barroso et al. 2018, ch. 6).

CapEx is amortised straight-line over ``amortisation_years`` and stops accruing once the hardware
is paid off; OpEx is facility energy (IT energy × PUE × price) plus maintenance as a yearly fraction
of the purchase price.

Energy is reported on every basis (``mlsysim.solvers.power``): ``accelerator_energy``,
``it_energy`` and ``facility_energy``. The seed's ``energy`` and ``average_power`` are kept, on the
facility basis that the electricity bill uses (``energy_basis = "facility"``).
"""

from __future__ import annotations

from typing import Any, NamedTuple

from ..assumptions import Assumptions
from ..errors import InvalidInputError
from ..infra.types import DatacenterSpec, GridSpec
from ..systems.types import FleetSpec
from .checks import finite_or_infeasible, positive
from .finance_checks import utilization as check_utilization
from .ops import SCALAR, Ops
from .power import FACILITY, accelerator_energy, facility_energy, it_energy

SECONDS_PER_DAY = 86400.0
DAYS_PER_YEAR = 365.0
JOULES_PER_KWH = 3.6e6


class EconomicsEstimate(NamedTuple):
    """Money in USD, energy in J, power in W. ``energy`` and ``average_power`` are on the basis
    ``energy_basis`` names (facility: IT × PUE, what is billed); the explicit fields name theirs."""

    tco_usd: float
    capex_usd: float
    total_opex_usd: float
    energy_cost_usd: float
    maintenance_usd: float
    purchase_price_usd: float
    energy: float
    it_energy: float
    average_power: float
    facility_energy: float
    accelerator_energy: float
    average_it_power: float
    average_facility_power: float
    electricity_price: float
    pue: float
    cost_per_accelerator_hour: float
    amortized_fraction: float
    energy_basis: str = FACILITY
    feasible: bool = True
    constraint: str = ""


def electricity_price(grid: GridSpec, kwh_price: float | None) -> float:
    """USD per J: ``kwh_price`` (USD/kWh) when given, else the grid's industrial price."""
    if kwh_price is not None:
        return kwh_price / JOULES_PER_KWH
    if grid.electricity_price is None:
        raise InvalidInputError("kwh_price", None, f"the catalog has no electricity price for {grid.name}")
    return grid.electricity_price


def economics(
    fleet: FleetSpec,
    duration_days: float,
    electricity_price: float,
    datacenter: DatacenterSpec,
    assumptions: Assumptions,
    *,
    node_price: float | None = None,
    utilization: float = 1.0,
) -> EconomicsEstimate:
    """TCO of running ``fleet`` for ``duration_days`` at ``electricity_price`` USD per J, busy a
    fraction ``utilization`` of the time (energy at the load fraction, ``power.load_fraction``)."""
    days = positive("duration_days", duration_days)
    positive("kwh_price", electricity_price * JOULES_PER_KWH)
    price = node_price if node_price is not None else fleet.node.price
    if price is None:
        raise InvalidInputError(
            "fleet",
            fleet.name,
            f"the catalog has no price for node {fleet.node.name}; pass node_price",
        )
    positive("node_price", price)
    busy = check_utilization(utilization)
    return finite_or_infeasible(
        economics_core(
            nodes=fleet.nodes,
            node_power=fleet.node.node_power,
            node_price=price,
            accelerators=fleet.accelerators,
            accelerator_tdp=fleet.accelerator.tdp,
            days=days,
            electricity_price=electricity_price,
            pue=datacenter.pue,
            assumptions=assumptions,
            ops=SCALAR,
            utilization=busy,
        )
    )


def economics_core(
    *,
    nodes: Any,
    node_power: Any,
    node_price: Any,
    accelerators: Any,
    accelerator_tdp: Any,
    days: Any,
    electricity_price: Any,
    pue: Any,
    assumptions: Assumptions,
    ops: Ops,
    utilization: Any = 1.0,
) -> EconomicsEstimate:
    """The TCO equations on plain numbers (scalars, or numpy arrays with numpy ``ops``)."""
    a = assumptions
    purchase = nodes * node_price
    years = days / DAYS_PER_YEAR
    amortized_fraction = ops.minimum(years, a.amortization_years) / a.amortization_years
    capex = purchase * amortized_fraction
    seconds = days * SECONDS_PER_DAY
    it = it_energy(nodes, node_power, seconds, a, utilization)
    facility = facility_energy(it, pue)
    energy_cost = facility * electricity_price
    maintenance = purchase * a.maintenance_fraction_per_year * years
    opex = energy_cost + maintenance
    tco = capex + opex
    return EconomicsEstimate(
        tco_usd=tco,
        capex_usd=capex,
        total_opex_usd=opex,
        energy_cost_usd=energy_cost,
        maintenance_usd=maintenance,
        purchase_price_usd=purchase,
        energy=facility,
        it_energy=it,
        average_power=facility / seconds,
        facility_energy=facility,
        accelerator_energy=accelerator_energy(accelerators, accelerator_tdp, seconds, a, utilization),
        average_it_power=it / seconds,
        average_facility_power=facility / seconds,
        electricity_price=electricity_price,
        pue=pue,
        cost_per_accelerator_hour=tco / (accelerators * seconds / 3600.0),
        amortized_fraction=amortized_fraction,
    )
