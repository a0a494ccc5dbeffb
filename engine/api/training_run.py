"""``TrainingRunModel().solve``: a whole training run — days, accelerator-hours, energy, cost,
carbon and failures — and ``ParallelismOptimizer().solve``: the layouts that train fastest.

A run's layout is, in order: the ``layout`` text (``"TP8 PP4 DP64 mbs1 selective"``, what the search
and ``MLSYS_BEST_LAYOUT`` print); or the degrees given (``tp_size=8, pp_size=4``), the others at
``DistributedModel``'s defaults; or, when neither is given (or ``layout="best"``), the fastest
layout the search finds, with any degrees given held fixed.
"""

from __future__ import annotations

from typing import Any

from ..catalog_loader import Catalog
from ..errors import InvalidInputError
from ..models.types import TransformerSpec
from ..solvers.checks import one_of, whole
from ..solvers.layout_search import LayoutSearchEstimate, default_space, search_layouts
from ..solvers.parallel_layout import (
    RECOMPUTE_MODES,
    ZERO_STAGES,
    Layout,
    check_layout,
    parse_layout_text,
)
from ..solvers.training_run import (
    Site,
    check_budget,
    compute_optimal,
    run_from_step,
    training_run,
    unfit_run,
)
from ..systems.types import FleetSpec
from .resolve import Facade, amount, precision_for, transformer
from .result import Result
from .site import resolve_site

_DEGREES = (
    "tp",
    "pp",
    "cp",
    "ep",
    "microbatch_size",
    "interleave",
    "recompute",
    "zero_stage",
    "overlap_grad_reduce",
)


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
    ) -> RunResult:
        """Train on ``tokens`` tokens (or for ``steps`` steps, or for ``wall_days`` days) with a
        global batch of ``batch_size`` sequences of ``seq_len`` tokens; the layout as the module
        docstring says. ``datacenter``/``grid`` place the fleet (default: US average grid,
        hyperscale facility); ``kwh_price`` and ``node_price`` override the catalog's."""
        catalog = self.catalog
        budget = check_budget(
            None if tokens is None else amount("tokens", tokens, ""),
            steps,
            None if wall_days is None else amount("wall_days", wall_days, "day"),
        )
        spec = transformer(catalog, model, "TrainingRunModel")
        fleet_spec = catalog.spec("fleet", fleet, FleetSpec)
        chosen = precision_for(fleet_spec.accelerator, precision)
        grid_spec, facility = resolve_site(catalog, datacenter, grid)
        site = Site(
            grid=grid_spec,
            datacenter=facility,
            electricity_price=None
            if kwh_price is None
            else amount("kwh_price", kwh_price, "USD/kWh") / 3.6e6,
            node_price=None if node_price is None else amount("node_price", node_price, "USD"),
        )
        restart = None if restart_time_s is None else amount("restart_time_s", restart_time_s, "s")
        degrees = dict(
            zip(
                _DEGREES,
                (
                    tp_size,
                    pp_size,
                    cp_size,
                    ep_size,
                    microbatch_size,
                    interleave,
                    recompute,
                    zero_stage,
                    overlap_grad_reduce,
                ),
                strict=True,
            )
        )
        fixed = {k: v for k, v in degrees.items() if v is not None}
        a = catalog.assumptions
        if layout is not None and layout != "best":
            if fixed:
                raise InvalidInputError("layout", layout, "give a layout text or the degrees, not both")
            chosen_layout = _from_text(spec, fleet_spec, batch_size, seq_len, layout)
        elif fixed and layout is None:
            chosen_layout = _layout(spec, fleet_spec, batch_size, seq_len, fixed)
        else:
            found = search(catalog, spec, fleet_spec, batch_size, seq_len, chosen, fixed)
            if found.best is None:
                return RunResult(unfit_run(fleet_spec.accelerators, found.constraint))
            estimate = run_from_step(
                spec,
                fleet_spec,
                int(batch_size),
                int(seq_len),
                chosen,
                found.best,
                budget,
                site,
                a,
                a.restart_time if restart is None else restart,
            )
            return RunResult(estimate)
        estimate = training_run(
            spec,
            fleet_spec,
            int(batch_size),
            int(seq_len),
            chosen,
            chosen_layout,
            budget,
            site,
            a,
            restart_time=restart,
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
        degrees = (
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
        fixed = {k: v for k, v in zip(_DEGREES, degrees, strict=True) if v is not None}
        chosen = precision_for(fleet_spec.accelerator, precision)
        return LayoutSearchResult(
            search(catalog, spec, fleet_spec, batch_size, seq_len, chosen, fixed, top_k)
        )


def search(
    catalog: Catalog,
    model: TransformerSpec,
    fleet: FleetSpec,
    batch: Any,
    seq_len: Any,
    precision: Any,
    fixed: dict[str, Any],
    top: Any = 10,
) -> LayoutSearchEstimate:
    """The layout search with the ``fixed`` degrees held, each checked as ``check_layout`` would."""
    for name, value in fixed.items():
        if name == "recompute":
            one_of("recompute", value, RECOMPUTE_MODES)
        elif name == "zero_stage":
            one_of("zero_stage", value, ZERO_STAGES)
        elif name == "overlap_grad_reduce":
            one_of("overlap_grad_reduce", value, (True, False))
        else:
            fixed[name] = whole(_ARGUMENT.get(name, name), value)
    return search_layouts(
        model,
        fleet,
        whole("batch_size", batch),
        whole("seq_len", seq_len),
        precision,
        catalog.assumptions,
        space=default_space(model, fleet, **fixed),
        top=whole("top_k", top),
    )


# The facade's argument name of each degree, for messages.
_ARGUMENT = {"tp": "tp_size", "pp": "pp_size", "cp": "cp_size", "ep": "ep_size"}


def _layout(
    model: TransformerSpec, fleet: FleetSpec, batch: Any, seq_len: Any, degrees: dict[str, Any]
) -> Layout:
    return check_layout(
        accelerators=fleet.accelerators,
        layers=model.layers,
        heads=model.heads,
        experts=model.experts,
        batch=batch,
        seq_len=seq_len,
        **degrees,
    )


def _from_text(model: TransformerSpec, fleet: FleetSpec, batch: Any, seq_len: Any, text: str) -> Layout:
    degrees = parse_layout_text(text)
    dp = degrees.pop("dp", None)
    layout = _layout(model, fleet, batch, seq_len, degrees)
    if dp is not None and dp != layout.dp:
        raise InvalidInputError("layout", text, f"DP{dp} does not match the fleet: DP{layout.dp}")
    return layout
