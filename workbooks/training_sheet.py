"""The Training sheet: one training run per row, evaluated by the MLSYS_* training and run functions.

Inputs: model, fleet, precision, global batch (sequences), sequence length, the user's layout (TP,
PP, micro-batch size), the token budget and the region. The engine cells pass the run's rows of
the Models and Fleets sheets. Per row: the step of the user's layout (fits, step time, scaling
efficiency, bubble, MFU, throughput), the fastest layout the search finds (``best_layout``, next to
the user's), and the whole run of the user's layout — days with failures, restarts and
checkpoints, accelerator-hours, cost, facility energy, carbon in the row's region and expected
failures. A layout that does not fit is a value (``Fits`` = 0, red row), not an error.

Stable column keys other sheets may link to (``Table.cell_ref(key, row)``): ``name``, ``fleet``,
``region``, ``accelerators``, ``tokens_per_s``, ``fits``, ``best_layout``, ``run_days`` (wall days
with failures), ``accelerator_hours``, ``run_cost_usd``, ``energy_facility_mwh`` (node wall power ×
PUE over the run), ``carbon_t`` and ``failures``.
"""

from __future__ import annotations

from typing import Any

from . import blocks_layout, styles
from .blocks_layout import BlockPlan
from .catalog_sheets import CatalogSheet, column_name, row_lookup, table_name
from .engine_calls import call
from .layout import AMBER, FIRST_ROW, RED, Col, Table
from .scenarios import TrainingScenario
from .serving_sheet import PRECISIONS

NOTE = (
    "One training run per row: a model on a fleet with tensor (TP), pipeline (PP) and data parallelism "
    "(the rest of the fleet), micro-batches of the size given, and the fastest layout the search finds. "
    "Run columns include failures, restarts and checkpoints. Red rows do not fit."
)
_MODEL = f"INDEX({table_name('model')},{{model_row}},0)"
_FLEET = f"INDEX({table_name('fleet')},{{fleet_row}},0)"
_REGION = f"INDEX({table_name('region')},MATCH({{region}},{column_name('region', 'id')},0),0)"


def _step(name: str) -> str:
    args = {
        "model": _MODEL,
        "fleet": _FLEET,
        "batch": "{global_batch}",
        "tp": "{tp}",
        "pp": "{pp}",
        "microbatches": "{microbatches}",
        "precision": "{precision}",
        "seq": "{seq_len}",
    }
    return "=" + call(name, args)


def _run(name: str) -> str:
    args = {
        "model": _MODEL,
        "fleet": _FLEET,
        "tokens": "{tokens_count}",
        "batch": "{global_batch}",
        "seq": "{seq_len}",
        "tp": "{tp}",
        "pp": "{pp}",
        "mbs": "{microbatch_size}",
        "precision": "{precision}",
        "region": _REGION,
    }
    return "=" + call(name, args)


# Block mode (``blocks_layout``): one MLSYS_TRAINING_BLOCK call fills the engine columns.
BLOCK = BlockPlan(
    "MLSYS_TRAINING_BLOCK",
    (
        ("fits", "TRAIN_FITS", "*1"),
        ("step_time", "STEP_TIME", ""),
        ("scaling_eff", "SCALING_EFF", ""),
        ("bubble", "BUBBLE", ""),
        ("mfu", "TRAIN_MFU", ""),
        ("tokens_per_s", "TRAIN_TOKENS_PER_S", ""),
    ),
    {
        "model": "{model}",
        "fleet": "{fleet}",
        "batch": "{global_batch}",
        "tp": "{tp}",
        "pp": "{pp}",
        "microbatches": "{microbatches}",
        "precision": "{precision}",
        "seq": "{seq_len}",
        "models": table_name("model"),
        "fleets": table_name("fleet"),
    },
)
# ... and one MLSYS_RUN_BLOCK call the run columns and the fastest layout.
RUN_BLOCK = BlockPlan(
    "MLSYS_RUN_BLOCK",
    (
        ("best_layout", "BEST_LAYOUT", ""),
        ("run_days", "RUN_DAYS", ""),
        ("accelerator_hours", "RUN_GPU_HOURS", ""),
        ("run_cost_usd", "RUN_COST", ""),
        ("energy_facility_mwh", "RUN_ENERGY", ""),
        ("carbon_t", "RUN_CARBON", ""),
        ("failures", "RUN_FAILURES", ""),
    ),
    {
        "model": "{model}",
        "fleet": "{fleet}",
        "tokens": "{tokens_count}",
        "batch": "{global_batch}",
        "seq": "{seq_len}",
        "tp": "{tp}",
        "pp": "{pp}",
        "mbs": "{microbatch_size}",
        "precision": "{precision}",
        "region": "{region}",
        "models": table_name("model"),
        "fleets": table_name("fleet"),
        "regions": table_name("region"),
    },
)


def columns(block: bool = False) -> list[Col]:
    per_cell = _columns()
    if not block:
        return per_cell
    return blocks_layout.columns(RUN_BLOCK, blocks_layout.columns(BLOCK, per_cell))


def _columns() -> list[Col]:
    i, f, e = styles.INPUT, styles.FORMULA, styles.ENGINE
    nodes, per_node = column_name("fleet", "nodes"), column_name("fleet", "accelerators_per_node")
    best = "=" + call(
        "MLSYS_BEST_LAYOUT",
        {
            "model": _MODEL,
            "fleet": _FLEET,
            "batch": "{global_batch}",
            "seq": "{seq_len}",
            "precision": "{precision}",
        },
    )
    return [
        Col("name", "Scenario", i, styles.TEXT, 40.0),
        Col("model", "Model (Models ID)", i, styles.TEXT, 16.0),
        Col("fleet", "Fleet (Fleets ID)", i, styles.TEXT, 14.0),
        Col("precision", "Precision", i, styles.TEXT, 10.0),
        Col("global_batch", "Global batch (sequences)", i, styles.WHOLE),
        Col("seq_len", "Sequence length (tokens)", i, styles.WHOLE, 11.0),
        Col("tp", "TP", i, styles.WHOLE, 8.0),
        Col("pp", "PP", i, styles.WHOLE, 8.0),
        Col("microbatch_size", "Micro-batch size (sequences)", i, styles.WHOLE, 11.0),
        Col("best_layout", "Fastest layout found", e, styles.TEXT, 30.0, best),
        Col("tokens", "Tokens to train (billions)", i, styles.NUMBER, 13.0),
        Col("region", "Region (Regions ID)", i, styles.TEXT, 14.0),
        row_lookup("model"),
        row_lookup("fleet"),
        Col(
            "accelerators",
            "Accelerators (nodes × per node)",
            f,
            styles.WHOLE,
            13.0,
            f"=INDEX({nodes},{{fleet_row}})*INDEX({per_node},{{fleet_row}})",
        ),
        Col(
            "tokens_count",
            "Tokens to train (count)",
            f,
            styles.SCIENTIFIC,
            13.0,
            "={tokens}*1000000000",
        ),
        Col(
            "microbatches",
            "Micro-batches per step (batch ÷ DP ÷ size)",
            f,
            styles.NUMBER,
            12.0,
            "={global_batch}/({accelerators}/({tp}*{pp}))/{microbatch_size}",
        ),
        Col("fits", "Fits in memory (1 = yes)", e, styles.YES_NO, 10.0, _step("MLSYS_TRAIN_FITS") + "*1"),
        Col("step_time", "Step time (ms)", e, styles.MS, 13.0, _step("MLSYS_STEP_TIME")),
        Col("scaling_eff", "Scaling efficiency (%)", e, styles.PERCENT, 11.0, _step("MLSYS_SCALING_EFF")),
        Col("bubble", "Pipeline bubble (%)", e, styles.PERCENT, 11.0, _step("MLSYS_BUBBLE")),
        Col("mfu", "MFU (%)", e, styles.PERCENT, 10.0, _step("MLSYS_TRAIN_MFU")),
        Col(
            "tokens_per_s",
            "Throughput (tokens/s)",
            e,
            styles.TOKENS_S,
            14.0,
            _step("MLSYS_TRAIN_TOKENS_PER_S"),
        ),
        Col("run_days", "Days to train, with failures (d)", e, styles.DAYS, 12.0, _run("MLSYS_RUN_DAYS")),
        Col(
            "accelerator_hours",
            "Accelerator-hours (GPU-h)",
            e,
            styles.WHOLE,
            14.0,
            _run("MLSYS_RUN_GPU_HOURS"),
        ),
        Col("run_cost_usd", "Run cost, owned fleet (USD)", e, styles.USD, 14.0, _run("MLSYS_RUN_COST")),
        Col(
            "energy_facility_mwh",
            "Facility energy (MWh)",
            e,
            styles.MWH,
            13.0,
            _run("MLSYS_RUN_ENERGY"),
        ),
        Col("carbon_t", "Carbon (tCO2e)", e, styles.TCO2E, 12.0, _run("MLSYS_RUN_CARBON")),
        Col("failures", "Expected failures", e, styles.NUMBER, 11.0, _run("MLSYS_RUN_FAILURES")),
        Col(
            "error",
            "Error (1 = yes)",
            f,
            styles.FLAG,
            9.0,
            "=IF(ISERROR({fits}+{bubble}+IF({fits}=1,{step_time}+{scaling_eff}+{mfu}+{tokens_per_s}"
            "+{run_days}+{accelerator_hours}+{energy_facility_mwh}+{carbon_t}+{failures},0)),1,0)",
        ),
    ]


def _record(s: TrainingScenario) -> dict[str, Any]:
    return {
        "name": s.name,
        "model": s.model,
        "fleet": s.fleet,
        "precision": s.precision,
        "global_batch": s.global_batch,
        "seq_len": s.seq_len,
        "tp": s.tp,
        "pp": s.pp,
        "microbatch_size": s.microbatch_size,
        "tokens": s.tokens / 1e9,
        "region": s.region,
    }


def write_training(
    workbook: Any,
    scenarios: tuple[TrainingScenario, ...],
    catalogs: dict[str, CatalogSheet],
    *,
    block: bool = False,
) -> Table:
    table = Table(workbook, "Training", columns(block))
    table.frame("Training", NOTE, header_height=60.0)
    table.write((_record(s) for s in scenarios), count=len(scenarios))
    if block:
        blocks_layout.place(table, BLOCK)
        blocks_layout.place(table, RUN_BLOCK)
    table.dropdown("model", catalogs["model"].name("id"), "an ID from the Models sheet")
    table.dropdown("fleet", catalogs["fleet"].name("id"), "an ID from the Fleets sheet")
    table.dropdown("precision", PRECISIONS, "a precision the fleet's accelerator supports")
    table.dropdown("region", catalogs["region"].name("id"), "an ID from the Regions sheet")
    for key in ("global_batch", "seq_len", "tp", "pp", "microbatch_size"):
        table.whole_number(key)
    table.positive_number("tokens")
    fits = f"${table.letter('fits')}{FIRST_ROW}"
    table.highlight_rows(f'AND({fits}<>"",{fits}=0)', RED)
    table.highlight_rows(f"${table.letter('error')}{FIRST_ROW}=1", AMBER)
    table.protect()
    return table
