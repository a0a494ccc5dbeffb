"""``mlsysim.solvers.economics.economics`` on arrays (Barroso et al. 2018, ch. 6).

CapEx is the purchase amortised straight-line and capped once paid off; OpEx is facility energy
(IT energy × PUE × price) plus yearly maintenance. Argument checks follow
``EconomicsModel().solve``: site, electricity price, fleet, then the solver's own checks.
"""

from __future__ import annotations

import numpy as np

from ..api.resolve import assumptions
from ..errors import InvalidInputError
from ..solvers.economics import DAYS_PER_YEAR, JOULES_PER_KWH, SECONDS_PER_DAY
from .checks import check_amount, check_positive
from .fleets import FleetArrays, fleet_rows, site_rows
from .gather import gather, resolved
from .scenarios import Scenarios


def economics_rows(s: Scenarios) -> dict[str, object]:
    a = assumptions()
    site_codes, sites = site_rows(s)
    kwh = check_amount(s, "kwh_price", "USD/kWh")
    grid_price = gather(sites, site_codes, lambda site: site[0].electricity_price)
    s.errors.add(
        ~kwh.given & np.isnan(grid_price),
        (site_codes,),
        lambda code: str(
            InvalidInputError(
                "kwh_price", None, f"the catalog has no electricity price for {resolved(sites, code)[0].name}"
            )
        ),
    )
    price = np.where(kwh.given, kwh.values / JOULES_PER_KWH, grid_price)
    fleet_codes, fleets = fleet_rows(s)
    days = check_amount(s, "duration_days", "day").values
    node_price = check_amount(s, "node_price", "USD")
    check_positive(s, "duration_days", days)
    check_positive(s, "kwh_price", price * JOULES_PER_KWH)
    f = FleetArrays.of(fleets, fleet_codes)
    s.errors.add(
        ~node_price.given & np.isnan(f.node_price),
        (fleet_codes,),
        lambda code: str(
            InvalidInputError(
                "fleet",
                resolved(fleets, code).name,
                f"the catalog has no price for node {resolved(fleets, code).node.name}; pass node_price",
            )
        ),
    )
    check_positive(s, "node_price", node_price.values, rows=node_price.given)
    unit_price = np.where(node_price.given, node_price.values, f.node_price)

    pue = gather(sites, site_codes, lambda site: site[1].pue)
    purchase = f.nodes * unit_price
    years = days / DAYS_PER_YEAR
    amortized_fraction = np.minimum(years, a.amortization_years) / a.amortization_years
    capex = purchase * amortized_fraction
    seconds = days * SECONDS_PER_DAY
    it = f.nodes * f.node_power * a.average_power_fraction * seconds
    facility = it * pue
    energy_cost = facility * price
    maintenance = purchase * a.maintenance_fraction_per_year * years
    opex = energy_cost + maintenance
    tco = capex + opex
    return {
        "tco_usd": tco,
        "capex_usd": capex,
        "total_opex_usd": opex,
        "energy_cost_usd": energy_cost,
        "maintenance_usd": maintenance,
        "purchase_price_usd": purchase,
        "energy": facility,
        "it_energy": it,
        "average_power": it / seconds * pue,
        "electricity_price": price,
        "pue": pue,
        "cost_per_accelerator_hour": tco / (f.accelerators * seconds / 3600.0),
        "amortized_fraction": amortized_fraction,
    }
