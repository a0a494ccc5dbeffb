"""Fleet failures and checkpointing.

Failures are a Poisson process: the fleet's failure rate is the sum of its components' rates
(per accelerator, NIC, host, network and software, from Dubey et al. 2024, Table 5), MTBF its
inverse, ``P(failure within T) = 1 − e^(−T/M)``. The checkpoint interval is Daly's (2006, eq. 37)
higher-order refinement of Young's (1974) ``τ = √(2δM)``; goodput is the fraction of wall time that
is useful work, from Daly's expected run time (eq. 20) with restart time ``R``:
``T_wall = M·e^(R/M)·(e^((τ+δ)/M) − 1)·T/τ``.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from ..assumptions import Assumptions
from ..systems.types import FleetSpec
from .checks import non_negative, positive


class ReliabilityEstimate(NamedTuple):
    """Times in s."""

    fleet_mtbf: float
    failure_probability: float
    expected_failures: float
    optimal_checkpoint_interval: float
    young_checkpoint_interval: float
    goodput: float
    expected_wall_time: float
    feasible: bool = True
    constraint: str = ""


def fleet_failure_rate(fleet: FleetSpec, a: Assumptions) -> float:
    """Failures per second of the whole fleet (the MTBF assumptions are in seconds)."""
    n = fleet.accelerators
    return (
        n / a.gpu_mtbf
        + fleet.nodes * fleet.node.nics_per_node / a.nic_mtbf
        + fleet.nodes / a.host_mtbf
        + n / a.network_mtbf_per_accelerator
        + n / a.software_mtbf_per_accelerator
    )


def reliability(
    fleet: FleetSpec,
    job_duration: float,
    checkpoint_time: float,
    assumptions: Assumptions,
    *,
    restart_time: float | None = None,
) -> ReliabilityEstimate:
    """Failure statistics of a job of ``job_duration`` s writing checkpoints of ``checkpoint_time`` s."""
    job = positive("job_duration_hours", job_duration)
    delta = positive("checkpoint_time_s", checkpoint_time)
    restart = non_negative(
        "restart_time_s", assumptions.restart_time if restart_time is None else restart_time
    )
    mtbf = 1.0 / fleet_failure_rate(fleet, assumptions)
    young = math.sqrt(2.0 * delta * mtbf)
    if delta < 2.0 * mtbf:
        ratio = delta / (2.0 * mtbf)
        daly = young * (1.0 + math.sqrt(ratio) / 3.0 + ratio / 9.0) - delta
    else:
        daly = mtbf
    wall = mtbf * math.exp(restart / mtbf) * math.expm1((daly + delta) / mtbf) * job / daly
    return ReliabilityEstimate(
        fleet_mtbf=mtbf,
        failure_probability=-math.expm1(-job / mtbf),
        expected_failures=job / mtbf,
        optimal_checkpoint_interval=daly,
        young_checkpoint_interval=young,
        goodput=job / wall,
        expected_wall_time=wall,
    )
