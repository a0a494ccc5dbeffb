"""``SustainabilityModel().solve``: energy, carbon and water of a fleet (The Green Grid)."""

from __future__ import annotations

from typing import Any

from ..solvers.sustainability import sustainability
from ..systems.types import FleetSpec
from .resolve import amount, assumptions, spec_of
from .result import Result
from .site import resolve_site


class SustainabilityResult(Result):
    _UNITS = {  # noqa: RUF012
        "carbon_footprint_kg": "kg",
        "operational_carbon_kg": "kg",
        "embodied_carbon_kg": "kg",
        "energy": "J",
        "it_energy": "J",
        "wue": "L/J",
        "carbon_intensity": "kg/J",
    }


class SustainabilityModel:
    """Operational (and optionally embodied) carbon, energy and water."""

    def solve(
        self,
        fleet: Any,
        duration_days: Any,
        datacenter: Any = None,
        *,
        grid: Any = None,
        include_embodied: bool = False,
    ) -> SustainabilityResult:
        grid_spec, facility = resolve_site(datacenter, grid)
        estimate = sustainability(
            spec_of("fleet", fleet, FleetSpec),
            amount("duration_days", duration_days, "day"),
            grid_spec,
            facility,
            assumptions(),
            include_embodied=include_embodied,
        )
        return SustainabilityResult(estimate)
