"""Sustainability functions: energy, operational carbon and water of a fleet
(``mlsysim.solvers.sustainability``, The Green Grid PUE/WUE), as ``SustainabilityModel().solve``
computes them."""

from __future__ import annotations

from typing import Any

from mlsysim.solvers.sustainability import SustainabilityEstimate, sustainability

from . import resolve
from .arguments import DAYS, FLEET, REGION, UNIT
from .function import ExcelFunction

ARGS = (FLEET, DAYS, REGION, UNIT)


@resolve.cached(maxsize=16384)
def estimate(fleet: Any, days: float, region: Any) -> SustainabilityEstimate:
    grid, facility = resolve.site(region)
    return sustainability(resolve.spec("fleet", fleet), days, grid, facility, resolve.catalog().assumptions)


def _define(name, read, unit, si_unit, description):
    def compute(fleet, days, region):
        return read(estimate(fleet, days, region))

    return ExcelFunction(
        name,
        "Sustainability",
        ARGS,
        "number",
        unit,
        description,
        compute,
        si_unit,
        estimate=estimate,
        read=read,
    )


FUNCTIONS = (
    _define(
        "MLSYS_CARBON",
        lambda e: e.carbon_footprint_kg,
        "kg",
        "kg",
        "Operational carbon over the period in kg CO2e: facility energy × grid carbon intensity.",
    ),
    _define(
        "MLSYS_WATER",
        lambda e: e.water_usage_liters,
        "L",
        "L",
        "Site water use over the period in litres: IT energy × WUE.",
    ),
    _define(
        "MLSYS_ENERGY_KWH",
        lambda e: e.energy,
        "kWh",
        "J",
        "Facility energy over the period: IT energy (node power × average load) × PUE.",
    ),
)
