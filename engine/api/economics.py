"""``EconomicsModel().solve``: CapEx, OpEx and TCO of a fleet (Barroso et al. 2018, ch. 6)."""

from __future__ import annotations

from typing import Any

from ..solvers.economics import economics, electricity_price
from ..systems.types import FleetSpec
from .resolve import Facade, amount
from .result import Result
from .site import resolve_site


class EconomicsResult(Result):
    _UNITS = {  # noqa: RUF012
        "energy": "J",
        "it_energy": "J",
        "facility_energy": "J",
        "accelerator_energy": "J",
        "average_power": "W",
        "average_it_power": "W",
        "average_facility_power": "W",
        "electricity_price": "USD/J",
    }


class EconomicsModel(Facade):
    """Total cost of ownership: amortised CapEx plus energy and maintenance OpEx."""

    __slots__ = ()

    def solve(
        self,
        fleet: Any,
        duration_days: Any,
        kwh_price: Any = None,
        *,
        datacenter: Any = None,
        grid: Any = None,
        node_price: Any = None,
        utilization: float = 1.0,
    ) -> EconomicsResult:
        """TCO over ``duration_days``; the electricity price is ``kwh_price`` (USD/kWh) or, when
        omitted, the grid's industrial price. ``utilization`` (in (0, 1], default 1: busy all
        the time) sets the energy drawn: busy hours at the average power fraction, idle hours at
        the idle power fraction."""
        catalog = self.catalog
        grid_spec, facility = resolve_site(catalog, datacenter, grid)
        price = electricity_price(
            grid_spec, None if kwh_price is None else amount("kwh_price", kwh_price, "USD/kWh")
        )
        estimate = economics(
            catalog.spec("fleet", fleet, FleetSpec),
            amount("duration_days", duration_days, "day"),
            price,
            facility,
            catalog.assumptions,
            node_price=None if node_price is None else amount("node_price", node_price, "USD"),
            utilization=utilization,
        )
        return EconomicsResult(estimate)
