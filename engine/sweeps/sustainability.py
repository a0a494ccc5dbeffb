"""``mlsysim.solvers.sustainability.sustainability`` on arrays (The Green Grid WP#49 and WP#35).

Facility energy = IT energy × PUE; carbon = facility energy × grid intensity; water = IT energy ×
WUE; embodied carbon, when asked for, amortised like CapEx.
"""

from __future__ import annotations

import numpy as np

from ..api.resolve import assumptions
from ..errors import InvalidInputError
from ..solvers.economics import DAYS_PER_YEAR, SECONDS_PER_DAY
from .checks import check_amount, check_positive
from .fleets import FleetArrays, fleet_rows, site_rows
from .gather import gather, resolved
from .scenarios import Scenarios


def sustainability_rows(s: Scenarios) -> dict[str, object]:
    a = assumptions()
    site_codes, sites = site_rows(s)
    fleet_codes, fleets = fleet_rows(s)
    days = check_amount(s, "duration_days", "day").values
    embodied_asked = s.flags("include_embodied")
    check_positive(s, "duration_days", days)
    f = FleetArrays.of(fleets, fleet_codes)
    s.errors.add(
        embodied_asked & np.isnan(f.embodied),
        (fleet_codes,),
        lambda code: str(
            InvalidInputError(
                "include_embodied",
                True,
                f"the catalog has no embodied carbon for {resolved(fleets, code).accelerator.name}",
            )
        ),
    )

    pue = gather(sites, site_codes, lambda site: site[1].pue)
    wue = gather(sites, site_codes, lambda site: site[1].wue)
    intensity = gather(sites, site_codes, lambda site: site[0].carbon_intensity)
    it = f.nodes * f.node_power * a.average_power_fraction * (days * SECONDS_PER_DAY)
    facility = it * pue
    operational = facility * intensity
    share = np.minimum(days / DAYS_PER_YEAR, a.amortization_years)
    embodied = np.where(embodied_asked, f.accelerators * f.embodied * share / a.amortization_years, 0.0)
    return {
        "carbon_footprint_kg": operational + embodied,
        "operational_carbon_kg": operational,
        "embodied_carbon_kg": embodied,
        "energy": facility,
        "it_energy": it,
        "water_usage_liters": it * wue,
        "pue": pue,
        "wue": wue,
        "carbon_intensity": intensity,
    }
