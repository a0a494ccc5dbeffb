"""``mlsysim.solvers.reliability.reliability`` on arrays.

Fleet failure rate = sum of component rates (Dubey et al. 2024, Table 5); checkpoint interval from
Daly (2006, eq. 37), Young's ``√(2δM)`` beside it; expected wall time from Daly's eq. 20.
"""

from __future__ import annotations

import numpy as np

from ..api.resolve import assumptions
from .checks import check_amount, check_non_negative, check_positive
from .fleets import FleetArrays, fleet_rows
from .scenarios import Scenarios


def reliability_rows(s: Scenarios) -> dict[str, object]:
    a = assumptions()
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
    n = f.accelerators
    rate = (
        n / a.gpu_mtbf
        + f.nodes * f.nics / a.nic_mtbf
        + f.nodes / a.host_mtbf
        + n / a.network_mtbf_per_accelerator
        + n / a.software_mtbf_per_accelerator
    )
    mtbf = 1.0 / rate
    young = np.sqrt(2.0 * delta * mtbf)
    ratio = delta / (2.0 * mtbf)
    daly = np.where(delta < 2.0 * mtbf, young * (1.0 + np.sqrt(ratio) / 3.0 + ratio / 9.0) - delta, mtbf)
    wall = mtbf * np.exp(restart / mtbf) * np.expm1((daly + delta) / mtbf) * job / daly
    return {
        "fleet_mtbf": mtbf,
        "failure_probability": -np.expm1(-job / mtbf),
        "expected_failures": job / mtbf,
        "optimal_checkpoint_interval": daly,
        "young_checkpoint_interval": young,
        "goodput": job / wall,
        "expected_wall_time": wall,
    }
