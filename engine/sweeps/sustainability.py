"""``mlsysim.solvers.sustainability.sustainability`` on arrays (The Green Grid WP#49 and WP#35).

Rows are checked as the facade checks them; ``sustainability_core`` — the scalar solver's
equations — then runs on the rows.
"""

from __future__ import annotations

import numpy as np

from ..errors import InvalidInputError
from ..solvers.sustainability import EMBODIED_ACCELERATOR, EMBODIED_NODE, EMBODIED_NONE, sustainability_core
from .checks import check_amount, check_positive
from .fleets import FleetArrays, fleet_rows, site_rows
from .gather import ARRAY, gather, resolved
from .pricing import check_utilization_rows
from .scenarios import Scenarios


def sustainability_rows(s: Scenarios) -> dict[str, object]:
    a = s.catalog.assumptions
    site_codes, sites = site_rows(s)
    fleet_codes, fleets = fleet_rows(s)
    days = check_amount(s, "duration_days", "day").values
    embodied_asked = s.flags("include_embodied")
    check_positive(s, "duration_days", days)
    busy = check_utilization_rows(s)
    f = FleetArrays.of(fleets, fleet_codes)
    node_known = ~np.isnan(f.node_embodied)
    per_accelerator = np.where(node_known, f.node_embodied / f.per_node, f.embodied)
    s.errors.add(
        embodied_asked & np.isnan(per_accelerator),
        (fleet_codes,),
        lambda code: str(
            InvalidInputError(
                "include_embodied",
                True,
                f"the catalog has no embodied carbon for {resolved(fleets, code).accelerator.name} "
                f"or node {resolved(fleets, code).node.name}",
            )
        ),
    )

    estimate = sustainability_core(
        nodes=f.nodes,
        node_power=f.node_power,
        accelerators=f.accelerators,
        accelerator_tdp=f.tdp,
        embodied_per_accelerator=np.where(embodied_asked, per_accelerator, 0.0),
        days=days,
        carbon_intensity=gather(sites, site_codes, lambda site: site[0].carbon_intensity),
        pue=gather(sites, site_codes, lambda site: site[1].pue),
        wue=gather(sites, site_codes, lambda site: site[1].wue),
        assumptions=a,
        ops=ARRAY,
        utilization=busy,
    )
    fields = estimate._asdict()
    basis = np.where(embodied_asked, np.where(node_known, 1, 2), 0)
    fields["embodied_basis"] = (basis, [EMBODIED_NONE, EMBODIED_NODE, EMBODIED_ACCELERATOR])
    return fields
