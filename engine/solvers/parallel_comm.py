"""Communication of one training step by kind (tensor, pipeline, data, context and expert
parallelism), for scalars or numpy arrays.

A group of ranks talks over the scale-up link (NVLink) when all of it sits in one node, otherwise
over the scale-out fabric; with Megatron-LM's rank order ``tp-cp-ep-dp-pp`` a group of the inner
dimensions spans the product of the degrees inside it (``parallel_layout``). Collective times are
alpha-beta closed forms (``collectives``): ring all-reduce and ring all-gather (Patarasuk & Yuan
2009; Thakur et al. 2005, §3), a pairwise all-to-all in which each rank sends ``(p−1)/p`` of its
buffer once, and a point-to-point send.

- Tensor parallel (Shoeybi et al. 2019, §3; with sequence parallelism the all-reduce becomes an
  all-gather plus a reduce-scatter of the same volume): 4 collectives per layer per micro-batch
  (2 forward, 2 backward), 6 when the forward is recomputed, of ``b·(s/cp)·h`` activations.
- Pipeline (Narayanan et al. 2021, §2.2): each stage boundary passes the activations forward and
  their gradients back, ``2·v`` sends per micro-batch with ``v`` interleaved chunks, of
  ``b·(s/cp)·h/tp`` (sequence-parallel activations).
- Data parallel: an all-reduce of the stage's gradients (Megatron-LM's distributed optimizer
  reduce-scatters them and all-gathers the parameters: the same volume); routed experts over their
  ``ep`` times smaller group. ZeRO-3 all-gathers parameters for every pass and reduce-scatters
  gradients: ``3Ψ`` against the all-reduce's ``2Ψ``, ``4Ψ`` with full recomputation (Rajbhandari et
  al. 2020, §7.2.2).
- Context parallel (ring attention, Liu et al. 2023; Megatron-LM's context-parallel guide): each
  rank keeps the K and V of its chunk, all-gathers the sequence's K and V in the forward pass, again
  in the backward pass, and reduce-scatters their gradients: three ring phases per layer per
  micro-batch, sent while the attention of the chunk in hand computes, so only the excess over the
  attention's own time shows.
- Expert parallel (Lepikhin et al. 2021, GShard §2; Megatron-LM's MoE layer): an all-to-all to
  dispatch each token's ``k`` copies to their experts and one to combine them, forward and
  backward (4 per MoE layer per micro-batch, 6 with full recomputation), each of the tokens a rank
  holds times ``k·h`` times the capacity factor.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from ..assumptions import Assumptions
from .collectives import point_to_point, ring_allreduce
from .ops import Ops


class Links(NamedTuple):
    """Achieved rates, one direction, of the two links a group of ranks can use: the scale-up link
    (B/s, per step latency s; 0 B/s for a device without one) and the scale-out fabric, and the
    number of accelerators that share a node's scale-up link."""

    per_node: Any
    inside_bandwidth: Any
    inside_latency: Any
    fabric_bandwidth: Any
    fabric_latency: Any


def links_of(per_node: Any, scale_up: Any, fabric: Any, fabric_latency: Any, a: Assumptions) -> Links:
    """``scale_up`` is the datasheet's aggregate of both directions (B/s), ``fabric`` the fabric's
    rate per accelerator in one direction (B/s)."""
    return Links(
        per_node=per_node,
        inside_bandwidth=scale_up / 2.0 * a.scale_up_efficiency,
        inside_latency=a.scale_up_latency,
        fabric_bandwidth=fabric * a.scale_out_efficiency,
        fabric_latency=fabric_latency,
    )


def link(links: Links, ranks_spanned: Any) -> tuple[Any, Any]:
    """(bandwidth, latency) for a group spanning ``ranks_spanned`` consecutive ranks: the scale-up
    link when they sit in one node and it has one, else the fabric. (Selection by arithmetic, so
    the same expression serves a number and an array.)"""
    inside = (ranks_spanned <= links.per_node) & (links.inside_bandwidth > 0)
    bandwidth = links.fabric_bandwidth + inside * (links.inside_bandwidth - links.fabric_bandwidth)
    latency = links.fabric_latency + inside * (links.inside_latency - links.fabric_latency)
    return bandwidth, latency


def ring_allgather(message: Any, ranks: Any, bandwidth: Any, latency: Any) -> Any:
    """All-gather of a ``message``-byte result (also a reduce-scatter's time): ``(p−1)`` steps
    each moving ``M/p``."""
    steps = ranks - 1.0
    return steps / ranks * message / bandwidth + steps * latency


def alltoall(message: Any, ranks: Any, bandwidth: Any, latency: Any) -> Any:
    """Pairwise all-to-all: each rank sends ``M/p`` to each of the ``p − 1`` others, one per step,
    the steps and bytes of a ring all-gather."""
    return ring_allgather(message, ranks, bandwidth, latency)


def tensor_parallel(activations: Any, tp: Any, layers: Any, collectives: Any, links: Links) -> Any:
    """Per micro-batch on one stage: ``collectives`` per layer of the ``activations`` bytes."""
    return layers * collectives * ring_allreduce(activations, tp, *link(links, tp))


def pipeline(activations: Any, tp: Any, pp: Any, interleave: Any, span: Any, links: Links) -> Any:
    """Per micro-batch: ``2·v`` sends of the stage's (tensor-sharded) activations; none for one stage."""
    return (pp > 1) * 2.0 * interleave * point_to_point(activations / tp, *link(links, span))


def data_parallel(shared: Any, routed: Any, dp: Any, ep: Any, span: Any, traffic: Any, links: Links) -> Any:
    """Per step: the gradient all-reduce (or ZeRO-3's gathers), ``traffic`` times an all-reduce, of
    the ``shared`` and ``routed`` gradient bytes."""
    bandwidth, latency = link(links, span)
    return traffic * (
        ring_allreduce(shared, dp, bandwidth, latency) + ring_allreduce(routed, dp / ep, bandwidth, latency)
    )


def context_parallel(
    kv_bytes: Any, cp: Any, layers: Any, span: Any, attention_time: Any, links: Links, ops: Ops
) -> Any:
    """Per micro-batch on one stage: three ring phases of the sequence's K and V per layer, less
    the attention time they hide behind."""
    ring = 3.0 * layers * ring_allgather(kv_bytes, cp, *link(links, span))
    return ops.maximum(ring - attention_time, 0.0)


def expert_parallel(
    routed_bytes: Any, ep: Any, layers: Any, collectives: Any, span: Any, links: Links
) -> Any:
    """Per micro-batch on one stage: ``collectives`` all-to-alls per MoE layer."""
    return layers * collectives * alltoall(routed_bytes, ep, *link(links, span))
