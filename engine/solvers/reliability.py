"""Fleet failures by component, checkpoints, and the Young/Daly checkpoint interval.

Failures are a Poisson process: the fleet's failure rate is the sum of its components' rates —
accelerators (die, board and links), accelerator memory, NICs with their links, hosts, the switch
fabric and system software — each a count of parts over that part's mean time between failures
(``catalog/assumptions.toml``, sourced per component; the memory rate per node generation, from the
node's ``accelerator_memory_mtbf`` or, failing that, its capacity over ``hbm_mtbf_per_gb``). MTBF is
the total's inverse and ``P(failure within T) = 1 − e^(−T/M)``.

A checkpoint holds the weights and the optimizer state (``w + K`` bytes per parameter; gradients are
not saved) and every node writes its share in parallel at its storage bandwidth. The checkpoint
interval is Daly's (2006, eq. 37) higher-order refinement of Young's (1974) ``τ = √(2δM)``; the
expected wall time of ``T`` seconds of work with restart time ``R`` is Daly's eq. 20,
``T_wall = M·e^(R/M)·(e^((τ+δ)/M) − 1)·T/τ``, and goodput is ``T / T_wall``.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from ..assumptions import Assumptions
from ..systems.types import FleetSpec, NodeSpec
from .checks import finite_or_infeasible, non_negative, positive
from .memo import by_identity
from .ops import SCALAR, Ops

COMPONENTS = ("gpu", "memory", "nic", "host", "network", "software")
_BYTES_PER_GB = 1e9


class FailureRates(NamedTuple):
    """Failures per second of a whole fleet, by component."""

    gpu: Any
    memory: Any
    nic: Any
    host: Any
    network: Any
    software: Any

    @property
    def total(self) -> Any:
        return self.gpu + self.memory + self.nic + self.host + self.network + self.software


class ReliabilityEstimate(NamedTuple):
    """Times in s; expected failures during the job's ``job_duration``, in all and by component."""

    fleet_mtbf: float
    failure_probability: float
    expected_failures: float
    optimal_checkpoint_interval: float
    young_checkpoint_interval: float
    goodput: float
    expected_wall_time: float
    failures_gpu: float
    failures_memory: float
    failures_nic: float
    failures_host: float
    failures_network: float
    failures_software: float
    feasible: bool = True
    constraint: str = ""


def accelerator_memory_mtbf(node: NodeSpec, a: Assumptions) -> float:
    """Mean time between uncorrectable memory failures of one of the node's accelerators (s)."""
    if node.accelerator_memory_mtbf is not None:
        return node.accelerator_memory_mtbf
    return a.hbm_mtbf_per_gb / (node.accelerator.memory_capacity / _BYTES_PER_GB)


def failure_rates(
    *, accelerators: Any, nodes: Any, nics_per_node: Any, memory_mtbf: Any, a: Assumptions
) -> FailureRates:
    """The fleet's failure rate by component (the MTBF assumptions are in seconds)."""
    return FailureRates(
        gpu=accelerators / a.gpu_mtbf,
        memory=accelerators / memory_mtbf,
        nic=nodes * nics_per_node / a.nic_mtbf,
        host=nodes / a.host_mtbf,
        network=accelerators / a.network_mtbf_per_accelerator,
        software=accelerators / a.software_mtbf_per_accelerator,
    )


@by_identity
def fleet_failure_rates(fleet: FleetSpec, a: Assumptions) -> FailureRates:
    return failure_rates(
        accelerators=fleet.accelerators,
        nodes=fleet.nodes,
        nics_per_node=fleet.node.nics_per_node,
        memory_mtbf=accelerator_memory_mtbf(fleet.node, a),
        a=a,
    )


def checkpoint_bytes(parameters: Any, weight_bytes: Any, a: Assumptions) -> Any:
    """Bytes of one checkpoint: weights and optimizer state."""
    return parameters * (weight_bytes + a.optimizer_state_bytes_per_parameter)


def storage_bandwidth(node: NodeSpec, a: Assumptions) -> float:
    """What one node writes to shared storage (B/s): its own figure, else the assumption's."""
    return a.storage_bandwidth_per_node if node.storage_bandwidth is None else node.storage_bandwidth


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
            rates=fleet_failure_rates(fleet, assumptions),
            job=job,
            checkpoint=delta,
            restart=restart,
            ops=SCALAR,
        )
    )


def reliability_core(
    *, rates: FailureRates, job: Any, checkpoint: Any, restart: Any, ops: Ops
) -> ReliabilityEstimate:
    """The failure and checkpoint equations on plain numbers (scalars, or numpy arrays with numpy
    ``ops``); times in s. Failures are counted over the job's ``job`` seconds."""
    delta = checkpoint
    mtbf = 1.0 / rates.total
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
        failures_gpu=job * rates.gpu,
        failures_memory=job * rates.memory,
        failures_nic=job * rates.nic,
        failures_host=job * rates.host,
        failures_network=job * rates.network,
        failures_software=job * rates.software,
    )
