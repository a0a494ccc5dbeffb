"""Collective communication times (alpha-beta model).

Ring all-reduce of ``M`` bytes over ``n`` ranks moves ``2(n-1)/n · M`` bytes per rank in ``2(n-1)``
steps (Patarasuk & Yuan 2009, §3): ``T = 2(n-1)/n · M/β + 2(n-1)·α``. A point-to-point transfer takes
``M/β + α``. ``β`` is the achieved per-rank bandwidth in one direction (B/s), ``α`` the per-step
latency (s).
"""

from __future__ import annotations


def ring_allreduce(message: float, ranks: int, bandwidth: float, latency: float) -> float:
    if ranks <= 1:
        return 0.0
    steps = 2 * (ranks - 1)
    return steps / ranks * message / bandwidth + steps * latency


def point_to_point(message: float, bandwidth: float, latency: float) -> float:
    return message / bandwidth + latency
