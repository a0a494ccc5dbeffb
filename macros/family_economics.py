"""Cost functions: CapEx, OpEx and TCO of a fleet (``mlsysim.solvers.economics``, Barroso et al.
2018, ch. 6), as ``EconomicsModel().solve`` computes them."""

from __future__ import annotations

from typing import Any

from mlsysim.solvers.economics import EconomicsEstimate, economics, electricity_price

from . import resolve
from .arguments import DATACENTER, DAYS, FLEET, KWH_PRICE, UNIT
from .function import ExcelFunction

ARGS = (FLEET, DAYS, KWH_PRICE, DATACENTER, UNIT)


@resolve.cached(maxsize=16384)
def estimate(fleet: Any, days: float, kwh_price: float | None, datacenter: Any) -> EconomicsEstimate:
    grid, facility = resolve.site(datacenter)
    price = electricity_price(grid, kwh_price)
    return economics(resolve.spec("fleet", fleet), days, price, facility, resolve.catalog().assumptions)


def _define(name, read, unit, description, *, si_unit="USD", label=""):
    def compute(fleet, days, kwh_price, datacenter):
        return read(estimate(fleet, days, kwh_price, datacenter))

    return ExcelFunction(
        name,
        "Economics",
        ARGS,
        "number",
        unit,
        description,
        compute,
        si_unit,
        label,
        estimate=estimate,
        read=read,
    )


FUNCTIONS = (
    _define(
        "MLSYS_TCO",
        lambda e: e.tco_usd,
        "USD",
        "Total cost of ownership over the period: amortised CapEx plus OpEx.",
    ),
    _define(
        "MLSYS_CAPEX",
        lambda e: e.capex_usd,
        "USD",
        "Purchase price of the nodes amortised straight-line over the period.",
    ),
    _define(
        "MLSYS_OPEX",
        lambda e: e.total_opex_usd,
        "USD",
        "Operating cost over the period: facility energy (IT energy × PUE × price) and maintenance.",
    ),
    _define(
        "MLSYS_ENERGY_COST",
        lambda e: e.energy_cost_usd,
        "USD",
        "Electricity cost over the period (IT energy × PUE × price).",
    ),
    _define(
        "MLSYS_COST_PER_GPU_HOUR",
        lambda e: e.cost_per_accelerator_hour,
        "USD/h",
        "TCO per accelerator-hour over the period.",
        si_unit="USD/h",
    ),
)
