"""The scalar path of each solver: its facade (``ServingModel().solve``...), called with keywords.

Sweeps equal these calls row for row; the command line's ``solve`` is one such call.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from .arguments import solver_name


def facade(solver: str, catalog: Any = None) -> Callable[..., Any]:
    """The facade's ``solve`` for ``solver`` over ``catalog`` (imported on use: pint loads with
    the facades)."""
    from ..api.distributed import DistributedModel
    from ..api.economics import EconomicsModel
    from ..api.reliability import ReliabilityModel
    from ..api.rent_vs_own import RentVsOwnModel
    from ..api.roofline import Engine
    from ..api.run_cost import RunCostModel
    from ..api.serving import ServingModel
    from ..api.serving_load import ContinuousBatchingModel, ServingCapacityModel
    from ..api.sustainability import SustainabilityModel
    from ..api.token_cost import CostPerTokenModel
    from ..api.training_run import ParallelismOptimizer, TrainingRunModel

    solvers: dict[str, Callable[..., Any]] = {
        "roofline": partial(Engine.solve, catalog=catalog),
        "serving": ServingModel(catalog).solve,
        "batching": ContinuousBatchingModel(catalog).solve,
        "capacity": ServingCapacityModel(catalog).solve,
        "training": DistributedModel(catalog).solve,
        "economics": EconomicsModel(catalog).solve,
        "sustainability": SustainabilityModel(catalog).solve,
        "reliability": ReliabilityModel(catalog).solve,
        "run": TrainingRunModel(catalog).solve,
        "layout": ParallelismOptimizer(catalog).solve,
        "token_cost": CostPerTokenModel(catalog).solve,
        "rent_vs_own": RentVsOwnModel(catalog).solve,
        "run_cost": RunCostModel(catalog).solve,
    }
    return solvers[solver_name(solver)]
