"""What one accelerator costs per hour, owned or rented (Barroso et al. 2018, ch. 6).

Owned, per accelerator, as its share of a node (host included): the node's price and wall power
divided by its accelerators. Per calendar second at utilisation ``u`` (the fraction of time the
accelerators do useful work):

- CapEx: price / (A · year), straight-line over A = ``amortization_years``;
- maintenance: price · ``maintenance_fraction_per_year`` / year;
- energy: power · (u · ``average_power_fraction`` + (1 − u) · ``idle_power_fraction``) · PUE · tariff
  (``power.load_fraction``).

At u = 1 the sum is the TCO of ``mlsysim.solvers.economics`` per accelerator-second during the
amortisation period. Rented: the offer's rate per accelerator-second; on-demand and spot bill the
busy time only (rate · u per calendar second), a committed term bills every second (rate).

A cost "per busy second" (or busy hour) divides by u: what one hour of useful work costs.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from ..assumptions import Assumptions
from .economics import DAYS_PER_YEAR, SECONDS_PER_DAY
from .power import load_fraction

SECONDS_PER_YEAR = DAYS_PER_YEAR * SECONDS_PER_DAY

__all__ = [
    "SECONDS_PER_YEAR",
    "OwnedCost",
    "owned_cost_core",
    "rental_cost_core",
    "running_cost_rates",
]


class OwnedCost(NamedTuple):
    """USD per accelerator-second of calendar time (``total`` = the parts), and per busy second."""

    capex: float
    maintenance: float
    energy: float
    total: float
    per_busy_second: float


def owned_cost_core(
    *,
    price: Any,
    power: Any,
    electricity_price: Any,
    pue: Any,
    utilization: Any,
    assumptions: Assumptions,
) -> OwnedCost:
    """Owned cost of one accelerator's node share: ``price`` USD, ``power`` W at full load,
    ``electricity_price`` USD/J, busy a fraction ``utilization`` of the time (scalars or arrays)."""
    a = assumptions
    capex = price / (a.amortization_years * SECONDS_PER_YEAR)
    maintenance = price * a.maintenance_fraction_per_year / SECONDS_PER_YEAR
    energy = power * load_fraction(utilization, a) * pue * electricity_price
    total = capex + maintenance + energy
    return OwnedCost(capex, maintenance, energy, total, total / utilization)


def running_cost_rates(
    *, price: Any, power: Any, electricity_price: Any, pue: Any, assumptions: Assumptions
) -> tuple[Any, Any, Any]:
    """USD per calendar second of owning, apart from CapEx: (maintenance, energy when idle, energy
    added per unit of utilisation). Energy at utilisation u is idle + u · added, i.e. power ·
    (u · average + (1 − u) · idle fraction) · PUE · tariff."""
    a = assumptions
    maintenance = price * a.maintenance_fraction_per_year / SECONDS_PER_YEAR
    idle = power * a.idle_power_fraction * pue * electricity_price
    added = power * (a.average_power_fraction - a.idle_power_fraction) * pue * electricity_price
    return maintenance, idle, added


def node_share_rate(
    *,
    node_price: Any,
    node_power: Any,
    per_node: Any,
    electricity_price: Any,
    pue: Any,
    assumptions: Assumptions,
) -> Any:
    """USD per busy accelerator-second of an owned node's accelerator busy all the time: the node's
    price and wall power (host included) shared by its ``per_node`` accelerators, through
    ``owned_cost_core``. The one price of an owned accelerator-hour a training run (``training_run.
    price_run``), ``mlsysim.api.run_cost`` and the TCO of a fleet's node share all use."""
    return owned_cost_core(
        price=node_price / per_node,
        power=node_power / per_node,
        electricity_price=electricity_price,
        pue=pue,
        utilization=1.0,
        assumptions=assumptions,
    ).per_busy_second


def owned_busy_rate(
    *, price: Any, maintenance: Any, idle: Any, added: Any, utilization: Any, assumptions: Assumptions
) -> Any:
    """USD per busy accelerator-second from ``running_cost_rates``' parts: (CapEx + maintenance +
    idle energy + u · added energy) / u, ``owned_cost_core``'s ``per_busy_second``."""
    capex = price / (assumptions.amortization_years * SECONDS_PER_YEAR)
    return (capex + maintenance + idle + utilization * added) / utilization


def rental_cost_core(*, rate: Any, bills_idle: Any, utilization: Any) -> tuple[Any, Any]:
    """(USD per calendar second, USD per busy second) of renting one accelerator at ``rate`` USD
    per accelerator-second; ``bills_idle`` (a committed term) pays every second, else busy ones."""
    per_calendar = rate * (bills_idle + (1 - bills_idle) * utilization)
    return per_calendar, per_calendar / utilization
