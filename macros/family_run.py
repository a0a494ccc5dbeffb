"""Run functions: a whole training run (``mlsysim.solvers.training_run``) — days, accelerator-hours,
cost, energy, carbon, failures — and the fastest layout (``mlsysim.solvers.layout_search``), as
``TrainingRunModel().solve`` and ``ParallelismOptimizer().solve`` compute them.

The layout follows ``mlsysim.solvers.run_layout``: a layout text such as the one
``MLSYS_BEST_LAYOUT`` returns; else the degrees given (``tp``, ``pp``, ``mbs``; the rest at their
defaults); else, with neither, the fastest layout the search finds.
"""

from __future__ import annotations

import math
from typing import Any

from mlsysim.enums import Precision
from mlsysim.errors import InvalidInputError
from mlsysim.solvers.run_layout import search
from mlsysim.solvers.training_run import RunEstimate, Site, check_budget, training_run

from . import resolve
from .arguments import FLEET, MODEL, PRECISION, REGION, TRAIN_SEQ, UNIT
from .function import Arg, ExcelFunction, feasibility_gated

TOKENS = Arg("tokens", "number", "tokens to train on (e.g. 15e12)")
GLOBAL_BATCH = Arg("batch", "number", "global batch in sequences")
SEQ = TRAIN_SEQ
LAYOUT = Arg(
    "layout",
    "text",
    'a layout such as "TP8 PP4 DP64 mbs1 selective" (MLSYS_BEST_LAYOUT), or "best"; '
    "default: the tp/pp/mbs given, else the best",
    optional=True,
)
TP = Arg("tp", "number", "tensor-parallel degree (when no layout is given)", optional=True)
PP = Arg("pp", "number", "pipeline stages (when no layout is given)", optional=True)
MBS = Arg("mbs", "number", "sequences per micro-batch (when no layout is given)", optional=True)
ARGS = (MODEL, FLEET, TOKENS, GLOBAL_BATCH, SEQ, LAYOUT, TP, PP, MBS, PRECISION, REGION)
DEFAULT_SEQ = 2048


def _precision(fleet: Any, precision: str | None) -> Precision:
    return Precision.parse(precision) if precision else fleet.accelerator.default_precision


@resolve.cached(maxsize=4096)
def estimate(
    model: Any,
    fleet: Any,
    tokens: float,
    batch: float,
    seq: Any,
    layout: str | None,
    tp: Any,
    pp: Any,
    mbs: Any,
    precision: str | None,
    region: Any,
) -> RunEstimate:
    spec = resolve.spec("fleet", fleet)
    grid, facility = resolve.site(region)
    degrees = {"tp": tp, "pp": pp, "microbatch_size": mbs}
    return training_run(
        resolve.transformer(model, "a training run"),
        spec,
        batch,
        DEFAULT_SEQ if seq is None else seq,
        _precision(spec, precision),
        check_budget(tokens=tokens),
        Site(grid, facility),
        resolve.catalog().assumptions,
        layout=layout,
        fixed={name: value for name, value in degrees.items() if value is not None},
    )


def _cost(run: RunEstimate) -> float:
    """The run's cost; an unpriced fleet is an error naming what is missing, never a zero."""
    if math.isnan(run.cost_usd):
        raise InvalidInputError("node_price", None, f"{run.cost_basis}; add it to the Fleets row")
    return run.cost_usd


_define = feasibility_gated("Run", estimate, ARGS, UNIT)


@resolve.cached(maxsize=1024)
def best(model: Any, fleet: Any, batch: float, seq: Any, precision: str | None) -> Any:
    spec = resolve.spec("fleet", fleet)
    return search(
        resolve.transformer(model, "a layout search"),
        spec,
        batch,
        DEFAULT_SEQ if seq is None else seq,
        _precision(spec, precision),
        resolve.catalog().assumptions,
        {},
    )


def _best_layout(model: Any, fleet: Any, batch: float, seq: Any, precision: str | None) -> str:
    found = best(model, fleet, batch, seq, precision)
    return found.best_layout if found.feasible else f"#MLSYS! {found.constraint}"


FUNCTIONS = (
    _define(
        "MLSYS_RUN_DAYS",
        lambda r: r.wall_time,
        "number",
        "day",
        "Wall time of the run: its steps, stretched by failures, restarts and checkpoints (Daly 2006).",
        si_unit="s",
    ),
    _define(
        "MLSYS_RUN_GPU_HOURS",
        lambda r: r.accelerator_hours * 3600.0,
        "number",
        "h",
        "Accelerator-hours of the run: accelerators × wall time.",
        si_unit="s",
        label="GPU-h",
    ),
    _define(
        "MLSYS_RUN_COST",
        _cost,
        "number",
        "USD",
        "Cost of holding the fleet for the run: amortised purchase, facility energy and maintenance.",
        si_unit="USD",
    ),
    _define(
        "MLSYS_RUN_ENERGY",
        lambda r: r.facility_energy,
        "number",
        "MWh",
        "Facility energy of the run: node wall power × average load × wall time × PUE.",
        si_unit="J",
    ),
    _define(
        "MLSYS_RUN_CARBON",
        lambda r: r.carbon_kg,
        "number",
        "t",
        "Operational carbon of the run: facility energy × the region's grid intensity.",
        si_unit="kg",
        label="tCO2e",
    ),
    _define(
        "MLSYS_RUN_FAILURES",
        lambda r: r.expected_failures,
        "number",
        "",
        "Expected failures during the run (accelerators, memory, NICs, hosts, switches, software).",
    ),
    ExcelFunction(
        "MLSYS_BEST_LAYOUT",
        "Run",
        (MODEL, FLEET, GLOBAL_BATCH, SEQ, PRECISION),
        "text",
        "",
        'The fastest parallel layout that fits, as text ("TP8 PP4 DP64 mbs1 selective").',
        _best_layout,
    ),
)
