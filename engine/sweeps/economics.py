"""``mlsysim.solvers.economics.economics`` on arrays (Barroso et al. 2018, ch. 6).

Argument checks follow ``EconomicsModel().solve``: site, electricity price, fleet, then the
solver's own checks; ``economics_core`` — the scalar solver's equations — runs on the rows.
"""

from __future__ import annotations

import numpy as np

from ..errors import InvalidInputError
from ..solvers.economics import JOULES_PER_KWH, economics_core
from .checks import check_amount, check_positive
from .fleets import FleetArrays, fleet_rows, site_rows
from .gather import ARRAY, gather, resolved
from .pricing import check_utilization_rows
from .scenarios import Scenarios


def economics_rows(s: Scenarios) -> dict[str, object]:
    a = s.catalog.assumptions
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
    busy = check_utilization_rows(s)

    estimate = economics_core(
        nodes=f.nodes,
        node_power=f.node_power,
        node_price=unit_price,
        accelerators=f.accelerators,
        accelerator_tdp=f.tdp,
        days=days,
        electricity_price=price,
        pue=gather(sites, site_codes, lambda site: site[1].pue),
        assumptions=a,
        ops=ARRAY,
        utilization=busy,
    )
    return estimate._asdict()
