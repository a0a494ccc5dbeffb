"""``TrainingRunModel().solve``: a whole training run — days, accelerator-hours, energy, cost,
carbon and failures — and ``ParallelismOptimizer().solve``: the layouts that train fastest.

A run's layout is chosen as ``mlsysim.solvers.run_layout`` says: the ``layout`` text
(``"TP8 PP4 DP64 mbs1 selective"``, what the search and ``MLSYS_BEST_LAYOUT`` print); or the degrees
given (``tp_size=8, pp_size=4``), the others at ``DistributedModel``'s defaults; or, when neither
is given (or ``layout="best"``), the fastest layout the search finds, any degrees given held fixed.
"""

from __future__ import annotations

from typing import Any

from ..solvers.run_layout import DEGREES, search
from ..solvers.training_run import Site, check_budget, compute_optimal, training_run
from ..systems.types import FleetSpec
from .resolve import Facade, amount, precision_for, transformer
from .result import Result
from .site import resolve_site

_JOULES_PER_KWH = 3.6e6


class RunResult(Result):
    _UNITS = {  # noqa: RUF012
        "step_time": "s",
        "flops_per_gpu": "FLOP/s",
        "ideal_time": "s",
        "wall_time": "s",
        "run_days": "day",
        "accelerator_hours": "hour",
        "fleet_mtbf": "s",
        "checkpoint_size": "B",
        "checkpoint_write_time": "s",
        "checkpoint_interval": "s",
        "accelerator_energy": "J",
        "it_energy": "J",
        "facility_energy": "J",
        "energy": "J",
        "carbon_kg": "kg",
        "memory_per_device": "B",
    }


class LayoutSearchResult(Result):
    """The best layout's step figures as attributes; ``ranked`` the table (``LayoutRow``s, times in
    s, memory in B); ``rejected`` the count per reason; ``table()`` the ranking as a DataFrame."""

    _UNITS = {  # noqa: RUF012
        "step_latency_total": "s",
        "memory_per_device": "B",
    }

    def table(self) -> Any:
        import pandas as pd

        return pd.DataFrame([row._asdict() for row in self.estimate.ranked])


def _fixed(*degrees: Any) -> dict[str, Any]:
    """The layout degrees given (``run_layout.DEGREES`` order), by ``check_layout``'s names."""
    return {name: value for name, value in zip(DEGREES, degrees, strict=True) if value is not None}


class TrainingRunModel(Facade):
    """A training run from a token budget (or steps, or a wall time): its time with failures,
    restarts and checkpoints, accelerator-hours, energy on three bases, cost, carbon and expected
    failures by component."""

    __slots__ = ()

    def solve(
        self,
        model: Any,
        fleet: Any,
        batch_size: int,
        seq_len: int = 2048,
        precision: Any = None,
        *,
        tokens: Any = None,
        steps: Any = None,
        wall_days: Any = None,
        layout: str | None = None,
        tp_size: int | None = None,
        pp_size: int | None = None,
        cp_size: int | None = None,
        ep_size: int | None = None,
        microbatch_size: int | None = None,
        interleave: int | None = None,
        recompute: str | None = None,
        zero_stage: int | None = None,
        overlap_grad_reduce: bool | None = None,
        datacenter: Any = None,
        grid: Any = None,
        kwh_price: Any = None,
        node_price: Any = None,
        restart_time_s: Any = None,
        checkpoint_time_s: Any = None,
    ) -> RunResult:
        """Train on ``tokens`` tokens (or for ``steps`` steps, or for ``wall_days`` days) with a
        global batch of ``batch_size`` sequences of ``seq_len`` tokens; the layout as the module
        docstring says. ``datacenter``/``grid`` place the fleet (default: US average grid,
        hyperscale facility); ``kwh_price`` and ``node_price`` override the catalog's;
        ``restart_time_s`` the assumption's restart time, ``checkpoint_time_s`` the write time the
        nodes' storage bandwidth gives."""
        catalog = self.catalog
        budget = check_budget(
            None if tokens is None else amount("tokens", tokens, ""),
            steps,
            None if wall_days is None else amount("wall_days", wall_days, "day"),
        )
        spec = transformer(catalog, model, "TrainingRunModel")
        fleet_spec = catalog.spec("fleet", fleet, FleetSpec)
        grid_spec, facility = resolve_site(catalog, datacenter, grid)
        site = Site(
            grid=grid_spec,
            datacenter=facility,
            electricity_price=None
            if kwh_price is None
            else amount("kwh_price", kwh_price, "USD/kWh") / _JOULES_PER_KWH,
            node_price=None if node_price is None else amount("node_price", node_price, "USD"),
        )
        fixed = _fixed(
            tp_size,
            pp_size,
            cp_size,
            ep_size,
            microbatch_size,
            interleave,
            recompute,
            zero_stage,
            overlap_grad_reduce,
        )
        estimate = training_run(
            spec,
            fleet_spec,
            batch_size,
            seq_len,
            precision_for(fleet_spec.accelerator, precision),
            budget,
            site,
            catalog.assumptions,
            layout=layout,
            fixed=fixed,
            restart_time=None if restart_time_s is None else amount("restart_time_s", restart_time_s, "s"),
            checkpoint_time=None
            if checkpoint_time_s is None
            else amount("checkpoint_time_s", checkpoint_time_s, "s"),
        )
        return RunResult(estimate)

    def compute_optimal(self, flops: Any) -> dict[str, float]:
        """Chinchilla-optimal ``parameters`` and ``tokens`` for a budget of ``flops`` FLOPs
        (Hoffmann et al. 2022: about 20 tokens per parameter, ``C = 6·N·D``)."""
        return compute_optimal(amount("flops", flops, ""), self.catalog.assumptions)._asdict()


class ParallelismOptimizer(Facade):
    """The fastest parallel layouts of a model on a fleet for a global batch and sequence length."""

    __slots__ = ()

    def solve(
        self,
        model: Any,
        fleet: Any,
        batch_size: int,
        seq_len: int = 2048,
        precision: Any = None,
        *,
        top_k: int = 10,
        tp_size: int | None = None,
        pp_size: int | None = None,
        cp_size: int | None = None,
        ep_size: int | None = None,
        microbatch_size: int | None = None,
        interleave: int | None = None,
        recompute: str | None = None,
        zero_stage: int | None = None,
        overlap_grad_reduce: bool | None = None,
    ) -> LayoutSearchResult:
        """Search every layout (degrees given are held fixed) and rank the ``top_k`` fastest that
        fit; a search where nothing fits returns ``feasible=False`` and says why."""
        catalog = self.catalog
        spec = transformer(catalog, model, "ParallelismOptimizer")
        fleet_spec = catalog.spec("fleet", fleet, FleetSpec)
        fixed = _fixed(
            tp_size,
            pp_size,
            cp_size,
            ep_size,
            microbatch_size,
            interleave,
            recompute,
            zero_stage,
            overlap_grad_reduce,
        )
        chosen = precision_for(fleet_spec.accelerator, precision)
        return LayoutSearchResult(
            search(spec, fleet_spec, batch_size, seq_len, chosen, catalog.assumptions, fixed, top_k)
        )
