"""``ReliabilityModel().solve``: fleet MTBF, failure odds and Young/Daly checkpointing."""

from __future__ import annotations

from typing import Any

from ..solvers.checks import positive
from ..solvers.reliability import reliability
from ..systems.types import FleetSpec
from .resolve import Facade, amount
from .result import Result


class ReliabilityResult(Result):
    _UNITS = {  # noqa: RUF012
        "fleet_mtbf": "s",
        "optimal_checkpoint_interval": "s",
        "young_checkpoint_interval": "s",
        "expected_wall_time": "s",
    }


class ReliabilityModel(Facade):
    """Failures of a long job and the checkpoint interval that minimises lost time."""

    __slots__ = ()

    def solve(
        self,
        fleet: Any,
        job_duration_hours: Any,
        checkpoint_time_s: Any,
        *,
        restart_time_s: Any = None,
    ) -> ReliabilityResult:
        catalog = self.catalog
        estimate = reliability(
            catalog.spec("fleet", fleet, FleetSpec),
            positive("job_duration_hours", amount("job_duration_hours", job_duration_hours, "hour")) * 3600.0,
            amount("checkpoint_time_s", checkpoint_time_s, "s"),
            catalog.assumptions,
            restart_time=None if restart_time_s is None else amount("restart_time_s", restart_time_s, "s"),
        )
        return ReliabilityResult(estimate)
