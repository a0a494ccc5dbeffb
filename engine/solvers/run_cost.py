"""Cost of a job that keeps a fleet's accelerators busy for its wall time (a training run).

cost = accelerators × wall time × cost of one busy accelerator-second, owned (node share, host
included: ``ownership.owned_cost_core`` at utilisation 1, i.e. the fleet's TCO per accelerator-
second during amortisation) or rented (the offer's rate on its term).
"""

from __future__ import annotations

from typing import Any, NamedTuple

SECONDS_PER_HOUR = 3600.0

__all__ = ["RunCostEstimate", "run_cost_core"]


class RunCostEstimate(NamedTuple):
    """USD for the run and per accelerator-hour; accelerator-hours; ``pricing`` names the basis and
    ``price_date`` when a rental price was read (empty when owned)."""

    cost_usd: float
    accelerator_hour_usd: float
    accelerator_hours: float
    accelerators: float
    wall_time_hours: float
    pricing: str = ""
    price_date: str = ""
    feasible: bool = True
    constraint: str = ""


def run_cost_core(*, accelerators: Any, seconds: Any, rate: Any) -> RunCostEstimate:
    """``accelerators`` busy for ``seconds`` at ``rate`` USD per accelerator-second."""
    accelerator_seconds = accelerators * seconds
    return RunCostEstimate(
        cost_usd=accelerator_seconds * rate,
        accelerator_hour_usd=rate * SECONDS_PER_HOUR,
        accelerator_hours=accelerator_seconds / SECONDS_PER_HOUR,
        accelerators=accelerators,
        wall_time_hours=seconds / SECONDS_PER_HOUR,
    )
