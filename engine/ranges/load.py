"""Replicas needed, with the range the throughput evidence gives them.

Replicas fall as the throughput of one replica rises. The throughput-at-load family's band says how
far a replica's real throughput lay from the engine's (leave-one-out, ``bands``); a replica that
serves a factor t of the estimate needs the replicas of the traffic divided by t. So the q quantile
of the replicas is the capacity plan of the arrival rate times ``demand_factor(q)`` = 1 / t(1 − q):
the P90 of replicas plans for the P10 of throughput. The latency terms stay at their point
estimates (their families have no validated range), and the plan's own rounding and queueing apply
unchanged, because the capacity solver itself is called.
"""

from __future__ import annotations

from .bands import band, check_quantile
from .families import RATE

__all__ = ["FAMILY", "demand_factor"]

FAMILY = "throughput_at_load"


def demand_factor(q: float) -> float | None:
    """Multiplier of the arrival rate for the replicas' quantile ``q`` (None: not validated)."""
    t = band(FAMILY).factor(1.0 - check_quantile(q), RATE)
    return None if t is None else 1.0 / t
