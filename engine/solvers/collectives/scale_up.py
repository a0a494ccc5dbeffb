"""Collectives inside one scale-up domain, with the algorithm and protocol NCCL would pick.

NCCL prices every (algorithm, protocol) pair with one cost model — a fixed start, a latency per
step that depends on the protocol, and the bytes at the protocol's share of the link — and runs the
cheapest (Hu et al. 2025, "Demystifying NCCL", §III-IV). The same is done here, element-wise, so a
sweep picks per row:

- rings with the LL, LL128 and Simple protocols on every topology; on a 2D torus a ring runs along
  each dimension, ``2(√p − 1)`` steps per phase instead of ``p − 1`` (Ying et al. 2018, §3.3);
- NVLink SHARP (``nvls``: the switch reduces) where the topology is ``switch_reduce`` and ``nvls``
  is 1 (NCCL 2.17 and later with a multicast-capable driver);
- the serving engines' one-shot and two-shot kernels where every pair is directly connected
  (``mesh``, ``switch``, ``switch_reduce``) and the message is at most ``custom_max`` bytes
  (0 for NCCL alone).

``bandwidth`` is the per-direction line rate of a rank's scale-up link (half the datasheet's
aggregate), ``topology`` a code of ``topology.TOPOLOGIES``, ``a`` the assumptions. A ``Choice``
holds the time (s) and the algorithm's code (``ALGORITHMS``); one rank costs nothing.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any, NamedTuple

from ...assumptions import Assumptions
from ..ops import Ops
from . import alphabeta as ab
from .topology import MESH, SWITCH_REDUCE, TORUS

ALGORITHMS = (
    "none",
    "ring_ll",
    "ring_ll128",
    "ring_simple",
    "nvls",
    "oneshot",
    "twoshot",
    "direct",
    "tree",
)
NONE, RING_LL, RING_LL128, RING_SIMPLE, NVLS, ONESHOT, TWOSHOT, DIRECT, TREE = range(9)


class Choice(NamedTuple):
    time: Any
    algorithm: Any


def pick(candidates: Iterable[tuple[int, Any]], ranks: Any, ops: Ops) -> Choice:
    """The cheapest candidate (the first on a tie); nothing for one rank."""
    time, algorithm = math.inf, NONE
    for code, candidate in candidates:
        better = candidate < time
        time, algorithm = ops.where(better, candidate, time), ops.where(better, code, algorithm)
    single = ranks <= 1
    return Choice(ops.where(single, 0.0, time), ops.where(single, NONE, algorithm))


def least(candidates: Iterable[tuple[int, Any]], ranks: Any, ops: Ops) -> Any:
    """The cheapest candidate's time alone (what ``pick`` returns, without the bookkeeping)."""
    time: Any = math.inf
    for _, candidate in candidates:
        time = ops.minimum(time, candidate)
    return ops.where(ranks <= 1, 0.0, time)


def protocols(a: Assumptions) -> tuple[tuple[int, float, float], ...]:
    """(ring code, latency per step, share of the line rate) of NCCL's LL, LL128 and Simple."""
    simple = a.scale_up_efficiency
    return (
        (RING_LL, a.ll_hop_latency, simple * a.ll_bandwidth_fraction),
        (RING_LL128, a.ll128_hop_latency, simple * a.ll128_bandwidth_fraction),
        (RING_SIMPLE, a.scale_up_latency, simple),
    )


def ring_phase_steps(ranks: Any, topology: Any, ops: Ops) -> Any:
    """Steps of one ring phase (reduce-scatter or all-gather): ``p − 1``, or ``2(√p − 1)`` on a torus."""
    torus = (topology == TORUS) & (ranks >= 4)
    return ops.where(torus, 2.0 * (ops.sqrt(ranks) - 1.0), ranks - 1.0)


def allreduce(
    message: Any,
    ranks: Any,
    bandwidth: Any,
    topology: Any,
    a: Assumptions,
    ops: Ops,
    *,
    custom_max: Any = 0.0,
    nvls: Any = 1.0,
) -> Choice:
    candidates = _allreduce_candidates(message, ranks, bandwidth, topology, a, ops, custom_max, nvls)
    return pick(candidates, ranks, ops)


def allreduce_time(
    message: Any,
    ranks: Any,
    bandwidth: Any,
    topology: Any,
    a: Assumptions,
    ops: Ops,
    *,
    custom_max: Any = 0.0,
    nvls: Any = 1.0,
) -> Any:
    """``allreduce(...).time``, computed without tracking which algorithm won (the cores' path)."""
    candidates = _allreduce_candidates(message, ranks, bandwidth, topology, a, ops, custom_max, nvls)
    return least(candidates, ranks, ops)


def _allreduce_candidates(
    message: Any,
    ranks: Any,
    bandwidth: Any,
    topology: Any,
    a: Assumptions,
    ops: Ops,
    custom_max: Any,
    nvls: Any,
) -> list[tuple[int, Any]]:
    start = a.collective_launch_latency
    steps = 2.0 * ring_phase_steps(ranks, topology, ops)
    share = 2.0 * (ranks - 1.0) / ranks * message
    candidates = [(code, start + steps * hop + share / (bandwidth * eff)) for code, hop, eff in protocols(a)]
    reduced = ab.switch_allreduce(message, ranks, bandwidth * a.nvls_efficiency, a.nvls_latency)
    in_switch = (topology == SWITCH_REDUCE) & (nvls > 0)
    candidates.append((NVLS, ops.where(in_switch, start + reduced, math.inf)))
    custom = (topology >= MESH) & (message <= custom_max)
    link = bandwidth * a.scale_up_efficiency
    oneshot = ab.oneshot_allreduce(message, ranks, link, a.oneshot_latency)
    twoshot = ab.twoshot_allreduce(message, ranks, link, a.oneshot_latency)
    candidates.append((ONESHOT, ops.where(custom, oneshot, math.inf)))
    candidates.append((TWOSHOT, ops.where(custom, twoshot, math.inf)))
    return candidates


def allgather(message: Any, ranks: Any, bandwidth: Any, topology: Any, a: Assumptions, ops: Ops) -> Choice:
    """All-gather of a ``message``-byte result (``message/p`` from each rank); a reduce-scatter of a
    ``message``-byte buffer takes the same steps in the other order, so the same time."""
    start = a.collective_launch_latency
    steps = ring_phase_steps(ranks, topology, ops)
    share = (ranks - 1.0) / ranks * message
    candidates = [(code, start + steps * hop + share / (bandwidth * eff)) for code, hop, eff in protocols(a)]
    gathered = ab.switch_allgather(message, ranks, bandwidth * a.nvls_efficiency, a.nvls_latency)
    candidates.append((NVLS, ops.where(topology == SWITCH_REDUCE, start + gathered, math.inf)))
    return pick(candidates, ranks, ops)


reduce_scatter = allgather


def alltoall(message: Any, ranks: Any, bandwidth: Any, topology: Any, a: Assumptions, ops: Ops) -> Choice:
    """Each rank sends ``message`` bytes in all, ``message/p`` to every rank (Simple protocol)."""
    start = a.collective_launch_latency
    link = bandwidth * a.scale_up_efficiency
    direct = start + ab.direct_alltoall(message, ranks, link, a.scale_up_latency)
    ring = start + ab.ring_alltoall(message, ranks, link, a.scale_up_latency, ops)
    return pick([(DIRECT, ops.where(topology >= MESH, direct, math.inf)), (RING_SIMPLE, ring)], ranks, ops)


def send(message: Any, bandwidth: Any, a: Assumptions) -> Any:
    """One point-to-point transfer over the scale-up link (Simple protocol)."""
    link = bandwidth * a.scale_up_efficiency
    return a.collective_launch_latency + ab.point_to_point(message, link, a.scale_up_latency)
