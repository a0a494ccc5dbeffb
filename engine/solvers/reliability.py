"""Fleet failures and checkpointing.

Failures are a Poisson process: the fleet's failure rate is the sum of its components' rates
(per accelerator, NIC, host, network and software, from Dubey et al. 2024, Table 5), MTBF its
inverse, ``P(failure within T) = 1 − e^(−T/M)``. The checkpoint interval is Daly's (2006, eq. 37)
higher-order refinement of Young's (1974) ``τ = √(2δM)``; goodput is the fraction of wall time that
is useful work, from Daly's expected run time (eq. 20) with restart time ``R``:
``T_wall = M·e^(R/M)·(e^((τ+δ)/M) − 1)·T/τ``.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from ..assumptions import Assumptions
from ..systems.types import FleetSpec
from .checks import finite_or_infeasible, non_negative, positive
from .ops import SCALAR, Ops


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


def fleet_failure_rate(accelerators: Any, nodes: Any, nics_per_node: Any, a: Assumptions) -> Any:
    """Failures per second of the whole fleet (the MTBF assumptions are in seconds)."""
    return (
        accelerators / a.gpu_mtbf
        + nodes * nics_per_node / a.nic_mtbf
        + nodes / a.host_mtbf
        + accelerators / a.network_mtbf_per_accelerator
        + accelerators / a.software_mtbf_per_accelerator
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
    return finite_or_infeasible(
        reliability_core(
            accelerators=fleet.accelerators,
            nodes=fleet.nodes,
            nics_per_node=fleet.node.nics_per_node,
            job=job,
            checkpoint=delta,
            restart=restart,
            assumptions=assumptions,
            ops=SCALAR,
        )
    )


def reliability_core(
    *,
    accelerators: Any,
    nodes: Any,
    nics_per_node: Any,
    job: Any,
    checkpoint: Any,
    restart: Any,
    assumptions: Assumptions,
    ops: Ops,
) -> ReliabilityEstimate:
    """The failure and checkpoint equations on plain numbers (scalars, or numpy arrays with numpy
    ``ops``); times in s."""
    delta = checkpoint
    mtbf = 1.0 / fleet_failure_rate(accelerators, nodes, nics_per_node, assumptions)
    young = ops.sqrt(2.0 * delta * mtbf)
    ratio = delta / (2.0 * mtbf)
    # Daly's refinement holds for delta < 2M; beyond it the interval is M itself.
    daly = ops.where(delta < 2.0 * mtbf, young * (1.0 + ops.sqrt(ratio) / 3.0 + ratio / 9.0) - delta, mtbf)
    # (e^x - 1)/daly before the product: for a tiny interval each factor alone underflows to 0
    wall = mtbf * ops.exp(restart / mtbf) * (ops.expm1((daly + delta) / mtbf) / daly) * job
    return ReliabilityEstimate(
        fleet_mtbf=mtbf,
        failure_probability=-ops.expm1(-job / mtbf),
        expected_failures=job / mtbf,
        optimal_checkpoint_interval=daly,
        young_checkpoint_interval=young,
        goodput=job / wall,
        expected_wall_time=wall,
    )
