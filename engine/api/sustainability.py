"""``SustainabilityModel().solve``: energy, carbon and water of a fleet (The Green Grid)."""

from __future__ import annotations

from typing import Any

from ..solvers.sustainability import sustainability
from ..systems.types import FleetSpec
from .resolve import Facade, amount
from .result import Result
from .site import resolve_site


class SustainabilityResult(Result):
    _UNITS = {  # noqa: RUF012
        "carbon_footprint_kg": "kg",
        "operational_carbon_kg": "kg",
        "embodied_carbon_kg": "kg",
        "energy": "J",
        "it_energy": "J",
        "facility_energy": "J",
        "accelerator_energy": "J",
        "wue": "L/J",
        "carbon_intensity": "kg/J",
    }


class SustainabilityModel(Facade):
    """Operational (and optionally embodied) carbon, energy and water."""

    __slots__ = ()

    def solve(
        self,
        fleet: Any,
        duration_days: Any,
        datacenter: Any = None,
        *,
        grid: Any = None,
        include_embodied: bool = False,
        utilization: float = 1.0,
    ) -> SustainabilityResult:
        """Energy (on every basis), carbon and water over ``duration_days`` busy a fraction
        ``utilization`` of the time; ``include_embodied`` adds the manufacturing footprint, as
        the node's share per accelerator where the catalog has it (``embodied_basis``)."""
        catalog = self.catalog
        grid_spec, facility = resolve_site(catalog, datacenter, grid)
        estimate = sustainability(
            catalog.spec("fleet", fleet, FleetSpec),
            amount("duration_days", duration_days, "day"),
            grid_spec,
            facility,
            catalog.assumptions,
            include_embodied=include_embodied,
            utilization=utilization,
        )
        return SustainabilityResult(estimate)
