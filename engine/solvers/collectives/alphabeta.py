"""Closed-form times of collective algorithms in the alpha-beta model, for scalars or numpy arrays.

``M`` is the message in bytes (the whole buffer: what each rank reduces, or ends up holding), ``p``
the ranks, ``β`` the achieved bandwidth per rank in one direction (B/s; infinite where no link is
needed), ``α`` the latency of one step (s). Every time is zero for one rank.

- Ring all-reduce: a reduce-scatter then an all-gather, ``2(p−1)`` steps each moving ``M/p``:
  ``2(p−1)·α + 2(p−1)/p · M/β`` (Patarasuk & Yuan 2009, §3; Thakur et al. 2005, §4).
- Ring all-gather or reduce-scatter: half of it, ``(p−1)·α + (p−1)/p · M/β`` (Thakur et al. 2005, §3).
- Double binary tree all-reduce: two complementary binary trees each reduce and broadcast half the
  message, pipelined; a rank is interior in one tree and a leaf in the other, so it sends and
  receives ``M`` in the reduction and ``M`` in the broadcast, and the depth is ``⌈log₂ p⌉``:
  ``2⌈log₂ p⌉·α + 2M/β`` (Sanders, Speck & Träff 2009, §3; NCCL 2.4, Jeaugey 2019).
- One-shot all-reduce: every rank reads the ``p−1`` peers' whole buffers over direct links and sums
  them, one step: ``α + (p−1)·M/β``. Two-shot: a direct reduce-scatter then a direct all-gather,
  two steps: ``2α + 2(p−1)/p · M/β`` (the custom all-reduce of TensorRT-LLM and vLLM; NVIDIA,
  "3x Faster AllReduce with NVSwitch and TensorRT-LLM MultiShot", 2024).
- In-switch reduction (NVLink SHARP): each rank sends its buffer to the switch once and receives the
  reduced buffer once, whatever ``p``: ``α + M/β`` for all-reduce, ``α + (p−1)/p · M/β`` for
  all-gather or reduce-scatter (NVIDIA Hopper architecture whitepaper, "NVLink SHARP").
- All-to-all (each rank sends ``M/p`` to every other): over direct links in one step,
  ``α + (p−1)/p · M/β``; on a bidirectional ring ``p−1`` steps bounded by the bisection — half the
  ranks send half their data across 2 links in each direction — ``(p−1)·α + max((p−1)/p, p/8)·M/β``
  (Thakur et al. 2005, §3; the bisection bound of Leighton 1992, §1.2).
- Point-to-point: ``α + M/β``.
"""

from __future__ import annotations

from typing import Any

from ..ops import Ops


def ring_allreduce(message: Any, ranks: Any, bandwidth: Any, latency: Any) -> Any:
    steps = 2.0 * (ranks - 1)
    return steps / ranks * message / bandwidth + steps * latency


def ring_allgather(message: Any, ranks: Any, bandwidth: Any, latency: Any) -> Any:
    """Also the ring reduce-scatter's time: the same steps in the other order."""
    steps = ranks - 1.0
    return steps / ranks * message / bandwidth + steps * latency


# ``(ranks > 1)`` is 1 or 0 (a bool, or a bool array): it zeroes the terms one rank does not pay,
# for scalars and arrays alike, without a branch.


def tree_allreduce(message: Any, ranks: Any, bandwidth: Any, latency: Any, ops: Ops) -> Any:
    depth = ops.ceil(ops.log2(ops.maximum(ranks, 1.0)))
    return 2.0 * depth * latency + (ranks > 1) * 2.0 * message / bandwidth


def oneshot_allreduce(message: Any, ranks: Any, bandwidth: Any, latency: Any) -> Any:
    return (ranks > 1) * latency + (ranks - 1.0) * message / bandwidth


def twoshot_allreduce(message: Any, ranks: Any, bandwidth: Any, latency: Any) -> Any:
    return (ranks > 1) * 2.0 * latency + 2.0 * (ranks - 1.0) / ranks * message / bandwidth


def switch_allreduce(message: Any, ranks: Any, bandwidth: Any, latency: Any) -> Any:
    return (ranks > 1) * (latency + message / bandwidth)


def switch_allgather(message: Any, ranks: Any, bandwidth: Any, latency: Any) -> Any:
    return (ranks > 1) * latency + (ranks - 1.0) / ranks * message / bandwidth


def direct_alltoall(message: Any, ranks: Any, bandwidth: Any, latency: Any) -> Any:
    return (ranks > 1) * latency + (ranks - 1.0) / ranks * message / bandwidth


def ring_alltoall(message: Any, ranks: Any, bandwidth: Any, latency: Any, ops: Ops) -> Any:
    share = (ranks > 1) * ops.maximum((ranks - 1.0) / ranks, ranks / 8.0)
    return (ranks - 1.0) * latency + share * message / bandwidth


def point_to_point(message: Any, bandwidth: Any, latency: Any) -> Any:
    return message / bandwidth + latency
