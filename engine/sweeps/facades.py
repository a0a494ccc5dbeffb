"""The scalar path of each solver: its facade (``ServingModel().solve``...), called with keywords.

Sweeps equal these calls row for row; the command line's ``solve`` is one such call.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .arguments import solver_name


def facade(solver: str) -> Callable[..., Any]:
    """The facade's ``solve`` for ``solver`` (imported on use: pint loads with the facades)."""
    from ..api.distributed import DistributedModel
    from ..api.economics import EconomicsModel
    from ..api.reliability import ReliabilityModel
    from ..api.roofline import Engine
    from ..api.serving import ServingModel
    from ..api.sustainability import SustainabilityModel

    solvers: dict[str, Callable[..., Any]] = {
        "roofline": Engine.solve,
        "serving": ServingModel().solve,
        "training": DistributedModel().solve,
        "economics": EconomicsModel().solve,
        "sustainability": SustainabilityModel().solve,
        "reliability": ReliabilityModel().solve,
    }
    return solvers[solver_name(solver)]
