"""``RunCostModel().solve``: what a run of given length on a fleet costs, owned or rented; and
``accelerator_hour_cost``, the one function the training-run layer prices accelerator-hours with."""

from __future__ import annotations

from typing import Any, ClassVar

from ..solvers.checks import positive
from ..solvers.ownership import owned_cost_core
from ..solvers.run_cost import RunCostEstimate, run_cost_core
from ..systems.types import Fleet, FleetSpec
from .pricing import node_share_of, rental, site_tariff
from .resolve import Facade, amount
from .result import Result

SECONDS_PER_HOUR = 3600.0

__all__ = ["RunCostModel", "RunCostResult", "accelerator_hour_cost", "run_cost"]


class RunCostResult(Result):
    _UNITS: ClassVar[dict[str, str]] = {}  # money in USD, time in hours, named by unit


def accelerator_hour_cost(
    catalog: Any,
    fleet: Any,
    *,
    offer: Any = None,
    term: Any = "on_demand",
    node_price: Any = None,
    datacenter: Any = None,
    grid: Any = None,
    kwh_price: Any = None,
) -> tuple[float, str, str]:
    """(USD per busy accelerator-second, pricing basis, date the price was read) for ``fleet``'s
    accelerators: owned as the node share (node price and node power include the host) at
    utilisation 1, or rented from ``offer`` (a catalog price id, or ``"cheapest"``) on ``term``."""
    spec = catalog.spec("fleet", fleet, FleetSpec)
    if offer is not None:
        chosen = rental(catalog, spec.accelerator, offer, term)
        return chosen.rate, chosen.basis, chosen.date_read
    node_id = _node_id(catalog, fleet, spec)
    price = None if node_price is None else amount("node_price", node_price, "USD")
    share = node_share_of(spec.node, node_id, price)
    tariff, facility = site_tariff(catalog, datacenter, grid, kwh_price)
    owned = owned_cost_core(
        price=share.price,
        power=share.power,
        electricity_price=tariff,
        pue=facility.pue,
        utilization=1.0,
        assumptions=catalog.assumptions,
    )
    return owned.per_busy_second, share.basis, ""


def _node_id(catalog: Any, fleet: Any, spec: FleetSpec) -> str:
    """The node id the pricing basis names: the fleet entry's node, else the spec's node name."""
    if isinstance(fleet, str):
        return catalog.get("fleet", fleet).node.id
    if isinstance(fleet, Fleet):
        return fleet.node.id
    return spec.node.name


class RunCostModel(Facade):
    """Cost of keeping every accelerator of a fleet busy for ``hours``."""

    __slots__ = ()

    def solve(
        self,
        fleet: Any,
        hours: Any,
        offer: Any = None,
        term: Any = "on_demand",
        *,
        node_price: Any = None,
        datacenter: Any = None,
        grid: Any = None,
        kwh_price: Any = None,
    ) -> RunCostResult:
        """A run of ``hours`` wall time on ``fleet``: owned (node share at the site's electricity
        price) unless ``offer`` names a rental (a catalog price id, or ``"cheapest"``)."""
        return RunCostResult(
            run_cost(
                self.catalog,
                fleet,
                hours,
                offer,
                term,
                node_price=node_price,
                datacenter=datacenter,
                grid=grid,
                kwh_price=kwh_price,
            )
        )


def run_cost(
    catalog: Any,
    fleet: Any,
    hours: Any,
    offer: Any = None,
    term: Any = "on_demand",
    *,
    node_price: Any = None,
    datacenter: Any = None,
    grid: Any = None,
    kwh_price: Any = None,
) -> RunCostEstimate:
    """``RunCostModel().solve`` without Quantities (the Excel functions call this too)."""
    spec = catalog.spec("fleet", fleet, FleetSpec)
    seconds = positive("hours", amount("hours", hours, "hour")) * SECONDS_PER_HOUR
    rate, basis, date = accelerator_hour_cost(
        catalog,
        fleet,
        offer=offer,
        term=term,
        node_price=node_price,
        datacenter=datacenter,
        grid=grid,
        kwh_price=kwh_price,
    )
    estimate = run_cost_core(accelerators=spec.accelerators, seconds=seconds, rate=rate)
    return estimate._replace(pricing=basis, price_date=date)
