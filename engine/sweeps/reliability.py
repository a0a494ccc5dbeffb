"""``mlsysim.solvers.reliability.reliability`` on arrays.

Rows are checked as the facade checks them; ``reliability_core`` — the scalar solver's equations
(component failure rates from the assumptions, Young/Daly checkpointing) — then runs on the rows.
"""

from __future__ import annotations

import numpy as np

from ..solvers.reliability import accelerator_memory_mtbf, failure_rates, reliability_core
from .checks import check_amount, check_non_negative, check_positive
from .fleets import FleetArrays, fleet_rows
from .gather import ARRAY, gather
from .scenarios import Scenarios


def reliability_rows(s: Scenarios) -> dict[str, object]:
    a = s.catalog.assumptions
    fleet_codes, fleets = fleet_rows(s)
    hours = check_amount(s, "job_duration_hours", "hour").values
    check_positive(s, "job_duration_hours", hours)
    job = hours * 3600.0
    delta = check_amount(s, "checkpoint_time_s", "s").values
    restart_given = check_amount(s, "restart_time_s", "s")
    restart = np.where(restart_given.given, restart_given.values, a.restart_time)
    check_positive(s, "checkpoint_time_s", delta)
    check_non_negative(s, "restart_time_s", restart)

    f = FleetArrays.of(fleets, fleet_codes)
    memory_mtbf = gather(fleets, fleet_codes, lambda fleet: accelerator_memory_mtbf(fleet.node, a))
    rates = failure_rates(
        accelerators=f.accelerators, nodes=f.nodes, nics_per_node=f.nics, memory_mtbf=memory_mtbf, a=a
    )
    estimate = reliability_core(rates=rates, job=job, checkpoint=delta, restart=restart, ops=ARRAY)
    return estimate._asdict()
