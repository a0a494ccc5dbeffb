"""Communication of one training step by kind (tensor, pipeline, data, context and expert
parallelism), for scalars or numpy arrays, priced by ``collectives``: NCCL's algorithm and protocol
inside a node's scale-up domain (ring, NVLink SHARP, direct) and its two-level ring or tree across
nodes (Hu et al. 2025; NCCL 2.4, Jeaugey 2019).

With Megatron-LM's rank order ``tp-cp-ep-dp-pp`` the members of a group of one dimension are the
product of the inner degrees apart (the ``stride``): a node of ``n`` accelerators holds
``n / stride`` of them, at least one; a group that fits in one node talks over the scale-up link,
else over the fabric. A device without a scale-up link reaches even its node's peers over the
fabric. Each kind's volume:

- Tensor parallel (Shoeybi et al. 2019, §3; with sequence parallelism an all-gather and a
  reduce-scatter replace each all-reduce, the same volume): 4 all-reduces per layer per
  micro-batch (2 forward, 2 backward), 6 when the forward is recomputed, of ``b·(s/cp)·h``.
- Pipeline (Narayanan et al. 2021, §2.2): each stage boundary passes the activations forward and
  their gradients back, ``2·v`` sends per micro-batch with ``v`` interleaved chunks, of
  ``b·(s/cp)·h/tp`` (sequence-parallel activations). Stages are outermost, so a send crosses the
  fabric unless the whole job sits in one node.
- Data parallel: an all-reduce of the stage's gradients over the ``dp·cp`` ranks that hold the
  same weights, ``tp`` apart (Megatron-LM's distributed optimizer
  reduce-scatters them and all-gathers the parameters: the same volume); routed experts over their
  ``ep`` times smaller group. ZeRO-3 all-gathers parameters for every pass and reduce-scatters
  gradients: ``3Ψ`` against the all-reduce's ``2Ψ``, ``4Ψ`` with full recomputation (Rajbhandari et
  al. 2020, §7.2.2).
- Context parallel (ring attention, Liu et al. 2023; Megatron-LM's context-parallel guide): each
  rank keeps the K and V of its chunk, all-gathers the sequence's K and V in the forward pass, again
  in the backward pass, and reduce-scatters their gradients: three all-gather volumes per layer per
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
from .collectives import alphabeta as ab
from .collectives import multi_node, scale_up
from .ops import Ops


class Links(NamedTuple):
    """What a group of ranks communicates over: the accelerators per node, the scale-up link's line
    rate per direction (B/s, 0 for none) and topology code (``collectives.topology``), the
    fabric's achieved rate per accelerator per direction (B/s) and its latency per step (s)."""

    per_node: Any
    up: Any
    topology: Any
    node_bandwidth: Any
    fabric_latency: Any


def links_of(
    per_node: Any, scale_up_bandwidth: Any, topology: Any, fabric: Any, fabric_latency: Any, a: Assumptions
) -> Links:
    """``scale_up_bandwidth`` is the datasheet's aggregate of both directions (B/s), ``fabric`` the
    fabric's rate per accelerator in one direction (B/s)."""
    return Links(
        per_node, scale_up_bandwidth / 2.0, topology, fabric * a.scale_out_efficiency, fabric_latency
    )


def local_ranks(ranks: Any, stride: Any, links: Links, ops: Ops) -> Any:
    """Members of a group that share a node: ``per_node / stride`` of them (at least 1, at most the
    group); 1 when there is no scale-up link."""
    local = ops.maximum(1.0, ops.minimum(ranks, links.per_node // stride))
    return ops.where(links.up > 0, local, 1.0)


def allreduce(message: Any, ranks: Any, stride: Any, links: Links, a: Assumptions, ops: Ops) -> Any:
    """All-reduce of ``message`` bytes over ``ranks`` ranks ``stride`` apart (0 for one rank)."""
    local = local_ranks(ranks, stride, links, ops)

    def reduce(
        message: Any, ranks: Any, local: Any, up: Any, topology: Any, bandwidth: Any, latency: Any
    ) -> Any:
        return multi_node.allreduce_time(message, ranks, local, up, topology, bandwidth, latency, a, ops)

    return ops.only(
        ranks > 1,
        reduce,
        message,
        ranks,
        local,
        links.up,
        links.topology,
        links.node_bandwidth,
        links.fabric_latency,
    )


def _in_node(ranks: Any, stride: Any, links: Links) -> Any:
    """Whether a group of ``ranks`` ranks ``stride`` apart sits in one node's scale-up domain."""
    return (ranks * stride <= links.per_node) & (links.up > 0)


def allgather(message: Any, ranks: Any, stride: Any, links: Links, a: Assumptions, ops: Ops) -> Any:
    """All-gather of a ``message``-byte result (a reduce-scatter takes the same time): NCCL's choice
    inside a node, a ring over the fabric otherwise."""
    several = ranks > 1
    inside = _in_node(ranks, stride, links) & several
    outside = several != inside  # several ranks, not all in one node

    def in_node(message: Any, ranks: Any, up: Any, topology: Any) -> Any:
        return scale_up.allgather(message, ranks, up, topology, a, ops).time

    def over_fabric(message: Any, ranks: Any, bandwidth: Any, latency: Any) -> Any:
        return a.collective_launch_latency + ab.ring_allgather(message, ranks, bandwidth, latency)

    return ops.only(inside, in_node, message, ranks, links.up, links.topology) + ops.only(
        outside, over_fabric, message, ranks, links.node_bandwidth, links.fabric_latency
    )


def alltoall(message: Any, ranks: Any, stride: Any, links: Links, a: Assumptions, ops: Ops) -> Any:
    """All-to-all, each rank sending ``message`` bytes in all (``message/p`` to each rank): NCCL's
    direct or ring exchange inside a node, pairwise over the fabric otherwise."""
    several = ranks > 1
    inside = _in_node(ranks, stride, links) & several
    outside = several != inside  # several ranks, not all in one node

    def in_node(message: Any, ranks: Any, up: Any, topology: Any) -> Any:
        return scale_up.alltoall(message, ranks, up, topology, a, ops).time

    def over_fabric(message: Any, ranks: Any, bandwidth: Any, latency: Any) -> Any:
        return a.collective_launch_latency + ab.direct_alltoall(message, ranks, bandwidth, latency)

    return ops.only(inside, in_node, message, ranks, links.up, links.topology) + ops.only(
        outside, over_fabric, message, ranks, links.node_bandwidth, links.fabric_latency
    )


def send(message: Any, span: Any, links: Links, a: Assumptions, ops: Ops) -> Any:
    """One point-to-point transfer between ranks a ``span`` of ranks apart: over the scale-up link
    when the span fits in a node, the fabric otherwise."""
    shaped = message == message  # True, shaped like the message (the span is often one number)
    inside = (span <= links.per_node) & (links.up > 0) & shaped
    outside = ((span > links.per_node) | (links.up <= 0)) & shaped

    def in_node(message: Any, up: Any) -> Any:
        return scale_up.send(message, up, a)

    def over_fabric(message: Any, bandwidth: Any, latency: Any) -> Any:
        return a.collective_launch_latency + ab.point_to_point(message, bandwidth, latency)

    return ops.only(inside, in_node, message, links.up) + ops.only(
        outside, over_fabric, message, links.node_bandwidth, links.fabric_latency
    )


def tensor_parallel(
    activations: Any, tp: Any, layers: Any, collectives: Any, links: Links, a: Assumptions, ops: Ops
) -> Any:
    """Per micro-batch on one stage: ``collectives`` all-reduces per layer of the ``activations``."""
    return layers * collectives * allreduce(activations, tp, 1.0, links, a, ops)


def pipeline(
    activations: Any, tp: Any, pp: Any, interleave: Any, span: Any, links: Links, a: Assumptions, ops: Ops
) -> Any:
    """Per micro-batch: ``2·v`` sends of the stage's (tensor-sharded) activations; none for one stage."""
    return (pp > 1) * 2.0 * interleave * send(activations / tp, span, links, a, ops)


def data_parallel(
    shared: Any,
    routed: Any,
    dp: Any,
    ep: Any,
    stride: Any,
    traffic: Any,
    links: Links,
    a: Assumptions,
    ops: Ops,
) -> Any:
    """Per step: the gradient all-reduce (or ZeRO-3's gathers), ``traffic`` times an all-reduce, of
    the ``shared`` gradient bytes over ``dp`` ranks and the ``routed`` ones over ``dp/ep``."""
    dense = allreduce(shared, dp, stride, links, a, ops)

    def experts(routed: Any, ranks: Any, stride: Any) -> Any:
        return allreduce(routed, ranks, stride, links, a, ops)

    return traffic * (dense + ops.only(routed > 0, experts, routed, dp / ep, stride * ep))


def context_parallel(
    kv_bytes: Any, cp: Any, tp: Any, layers: Any, attention_time: Any, links: Links, a: Assumptions, ops: Ops
) -> Any:
    """Per micro-batch on one stage: three all-gathers of the sequence's K and V per layer, less the
    attention time they hide behind (none without context parallelism)."""

    def exposed(kv_bytes: Any, cp: Any, tp: Any, layers: Any, attention_time: Any) -> Any:
        ring = 3.0 * layers * allgather(kv_bytes, cp, tp, links, a, ops)
        return ops.maximum(ring - attention_time, 0.0)

    return ops.only(cp > 1, exposed, kv_bytes, cp, tp, layers, attention_time)


def expert_parallel(
    routed_bytes: Any,
    ep: Any,
    stride: Any,
    layers: Any,
    collectives: Any,
    links: Links,
    a: Assumptions,
    ops: Ops,
) -> Any:
    """Per micro-batch on one stage: ``collectives`` all-to-alls per MoE layer over ``ep`` ranks
    ``stride`` apart."""
    return layers * collectives * alltoall(routed_bytes, ep, stride, links, a, ops)
