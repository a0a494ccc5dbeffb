"""Collective communication times (alpha-beta model), for scalars or numpy arrays.

Ring all-reduce of ``M`` bytes over ``n`` ranks moves ``2(n-1)/n · M`` bytes per rank in ``2(n-1)``
steps (Patarasuk & Yuan 2009, §3): ``T = 2(n-1)/n · M/β + 2(n-1)·α`` — zero for one rank. A
point-to-point transfer takes ``M/β + α``. ``β`` is the achieved per-rank bandwidth in one direction
(B/s; infinite where no link is needed), ``α`` the per-step latency (s).
"""

from __future__ import annotations

from typing import Any


def ring_allreduce(message: Any, ranks: Any, bandwidth: Any, latency: Any) -> Any:
    steps = 2.0 * (ranks - 1)
    return steps / ranks * message / bandwidth + steps * latency


def point_to_point(message: Any, bandwidth: Any, latency: Any) -> Any:
    return message / bandwidth + latency
