"""The Training sheet: one training run per row, evaluated by the MLSYS_* training functions.

The engine cells pass the run's rows of the Models and Fleets sheets; days to train follows
natively from the engine's throughput: tokens / (tokens per second) / 86,400 s per day. A run
whose state does not fit in memory is a value (``Fits`` = 0, red row), not an error.
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
    "(the rest of the fleet). Global batch counts sequences of 2,048 tokens. Red rows do not fit."
)


def _engine(name: str) -> str:
    args = {
        "model": f"INDEX({table_name('model')},{{model_row}},0)",
        "fleet": f"INDEX({table_name('fleet')},{{fleet_row}},0)",
        "batch": "{global_batch}",
        "tp": "{tp}",
        "pp": "{pp}",
        "microbatches": "{microbatches}",
        "precision": "{precision}",
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
        "models": table_name("model"),
        "fleets": table_name("fleet"),
    },
)


def columns(block: bool = False) -> list[Col]:
    per_cell = _columns()
    return blocks_layout.columns(BLOCK, per_cell) if block else per_cell


def _columns() -> list[Col]:
    i, f, e = styles.INPUT, styles.FORMULA, styles.ENGINE
    nodes, per_node = column_name("fleet", "nodes"), column_name("fleet", "accelerators_per_node")
    return [
        Col("name", "Scenario", i, styles.TEXT, 40.0),
        Col("model", "Model (Models ID)", i, styles.TEXT, 16.0),
        Col("fleet", "Fleet (Fleets ID)", i, styles.TEXT, 14.0),
        Col("precision", "Precision", i, styles.TEXT, 10.0),
        Col("global_batch", "Global batch (sequences)", i, styles.WHOLE),
        Col("tp", "TP", i, styles.WHOLE, 8.0),
        Col("pp", "PP", i, styles.WHOLE, 8.0),
        Col("microbatches", "Micro-batches per step", i, styles.WHOLE, 11.0),
        Col("tokens", "Tokens to train (billions)", i, styles.NUMBER, 13.0),
        Col("region", "Region (Regions ID)", i, styles.TEXT, 14.0),
        row_lookup("model"),
        row_lookup("fleet"),
        Col("fits", "Fits in memory (1 = yes)", e, styles.YES_NO, 10.0, _engine("MLSYS_TRAIN_FITS") + "*1"),
        Col("step_time", "Step time (ms)", e, styles.MS, 13.0, _engine("MLSYS_STEP_TIME")),
        Col("scaling_eff", "Scaling efficiency (%)", e, styles.PERCENT, 11.0, _engine("MLSYS_SCALING_EFF")),
        Col("bubble", "Pipeline bubble (%)", e, styles.PERCENT, 11.0, _engine("MLSYS_BUBBLE")),
        Col("mfu", "MFU (%)", e, styles.PERCENT, 10.0, _engine("MLSYS_TRAIN_MFU")),
        Col(
            "tokens_per_s",
            "Throughput (tokens/s)",
            e,
            styles.TOKENS_S,
            14.0,
            _engine("MLSYS_TRAIN_TOKENS_PER_S"),
        ),
        Col(
            "accelerators",
            "Accelerators (nodes × per node)",
            f,
            styles.WHOLE,
            13.0,
            f"=INDEX({nodes},{{fleet_row}})*INDEX({per_node},{{fleet_row}})",
        ),
        Col(
            "days",
            "Days to train (d)",
            f,
            styles.DAYS,
            12.0,
            '=IF({fits}=1,{tokens}*1000000000/{tokens_per_s}/86400,"n/a")',
        ),
        Col(
            "error",
            "Error (1 = yes)",
            f,
            styles.FLAG,
            9.0,
            "=IF(ISERROR({fits}+{bubble}+IF({fits}=1,{step_time}+{scaling_eff}+{mfu}+{tokens_per_s},0)),1,0)",
        ),
    ]


def _record(s: TrainingScenario) -> dict[str, Any]:
    return {
        "name": s.name,
        "model": s.model,
        "fleet": s.fleet,
        "precision": s.precision,
        "global_batch": s.global_batch,
        "tp": s.tp,
        "pp": s.pp,
        "microbatches": s.microbatches,
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
    table.dropdown("model", catalogs["model"].name("id"), "an ID from the Models sheet")
    table.dropdown("fleet", catalogs["fleet"].name("id"), "an ID from the Fleets sheet")
    table.dropdown("precision", PRECISIONS, "a precision the fleet's accelerator supports")
    table.dropdown("region", catalogs["region"].name("id"), "an ID from the Regions sheet")
    for key in ("global_batch", "tp", "pp", "microbatches"):
        table.whole_number(key)
    table.positive_number("tokens")
    fits = f"${table.letter('fits')}{FIRST_ROW}"
    table.highlight_rows(f'AND({fits}<>"",{fits}=0)', RED)
    table.highlight_rows(f"${table.letter('error')}{FIRST_ROW}=1", AMBER)
    table.protect()
    return table
