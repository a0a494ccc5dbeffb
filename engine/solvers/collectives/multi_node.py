"""All-reduce over ranks on several nodes: ``l`` ranks in each node's scale-up domain, ``N`` nodes
joined by a fabric. NCCL prices its two multi-node algorithms and runs the cheaper (Hu et al. 2025,
§IV; NCCL 2.4, Jeaugey 2019); both are two-level, each level at its own link:

- **ring** through every rank: ``2(p−1)`` steps at the scale-up step latency, ``2(N−1)`` of them
  also crossing the fabric at its latency, and the ring's ``2(p−1)/p · M`` at the node's fabric
  bandwidth — a ring enters and leaves each node once (Patarasuk & Yuan 2009, §3);
- **tree**: a chain through each node's ranks and a double binary tree across the nodes,
  ``2((l−1)·α_up + ⌈log₂ N⌉·α_fabric)`` of latency and ``2M`` at the node's fabric bandwidth
  (Sanders, Speck & Träff 2009, §3).

At a thousand ranks the ring's ``2(p−1)`` steps cost milliseconds that the tree's logarithmic
depth avoids; the ring's bandwidth term is ``(p−1)/p`` of the tree's, which only pays for
messages of tens of GB. ``node_bandwidth`` is what one node moves per direction toward the fabric
for this group (B/s, achieved); ``fabric_latency`` one fabric step (s). Inside one node (``N = 1``)
this is ``scale_up.allreduce``.
"""

from __future__ import annotations

from typing import Any

from ...assumptions import Assumptions
from ..ops import Ops
from . import alphabeta as ab
from . import scale_up
from .scale_up import RING_SIMPLE, TREE, Choice

__all__ = ["allreduce", "allreduce_time"]


def allreduce(
    message: Any,
    ranks: Any,
    local: Any,
    up_bandwidth: Any,
    topology: Any,
    node_bandwidth: Any,
    fabric_latency: Any,
    a: Assumptions,
    ops: Ops,
) -> Choice:
    nodes = ranks / local
    inside = scale_up.allreduce(message, ranks, up_bandwidth, topology, a, ops)
    candidates = _candidates(message, ranks, local, node_bandwidth, fabric_latency, a, ops)
    spread = scale_up.pick(candidates, ranks, ops)
    several = nodes > 1
    return Choice(
        ops.where(several, spread.time, inside.time), ops.where(several, spread.algorithm, inside.algorithm)
    )


def allreduce_time(
    message: Any,
    ranks: Any,
    local: Any,
    up_bandwidth: Any,
    topology: Any,
    node_bandwidth: Any,
    fabric_latency: Any,
    a: Assumptions,
    ops: Ops,
) -> Any:
    """``allreduce(...).time``, without tracking which algorithm won (the solvers' path); each of
    the two cases is evaluated only where it applies."""

    def inside(message: Any, ranks: Any, up_bandwidth: Any, topology: Any) -> Any:
        return scale_up.allreduce_time(message, ranks, up_bandwidth, topology, a, ops)

    def spread(message: Any, ranks: Any, local: Any, node_bandwidth: Any, fabric_latency: Any) -> Any:
        candidates = _candidates(message, ranks, local, node_bandwidth, fabric_latency, a, ops)
        return scale_up.least(candidates, ranks, ops)

    one_node = ops.only(ranks <= local, inside, message, ranks, up_bandwidth, topology)
    nodes = ops.only(ranks > local, spread, message, ranks, local, node_bandwidth, fabric_latency)
    return one_node + nodes


def _candidates(
    message: Any, ranks: Any, local: Any, node_bandwidth: Any, fabric_latency: Any, a: Assumptions, ops: Ops
) -> list[tuple[int, Any]]:
    nodes = ranks / local
    start, hop = a.collective_launch_latency, a.scale_up_latency
    crossings = 2.0 * (nodes - 1.0) * fabric_latency
    ring = start + ab.ring_allreduce(message, ranks, node_bandwidth, hop) + crossings
    chain = 2.0 * (local - 1.0) * hop
    tree = start + chain + ab.tree_allreduce(message, nodes, node_bandwidth, fabric_latency, ops)
    return [(RING_SIMPLE, ring), (TREE, tree)]
