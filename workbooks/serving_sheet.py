"""The Serving sheet: one LLM serving scenario per row, evaluated by the MLSYS_* serving functions.

Each engine cell passes the scenario's rows of the Models and Hardware sheets
(``INDEX(Hardware_table, L4, 0)``, the row found by MATCH in column L), so an edit on a catalog
sheet reaches every scenario that uses it. A configuration that does not fit is a value
(``Fits`` = 0, the row turns red, latency cells say why); anything else that goes wrong
counts in the Error column and fails the master check.
"""

from __future__ import annotations

from typing import Any

from mlsysim.enums import Precision

from . import blocks_layout, styles
from .blocks_layout import BlockPlan
from .catalog_sheets import CatalogSheet, row_lookup, table_name
from .engine_calls import call
from .layout import AMBER, FIRST_ROW, RED, Col, Table
from .scenarios import ServingScenario

PRECISIONS = '"' + ",".join(p.value for p in Precision) + '"'

NOTE = (
    "One scenario per row: a model served by replicas of tp accelerators. Yellow cells are inputs; "
    "blue cells are MLSYS_* engine results; red rows do not fit in memory."
)


def _engine(name: str) -> str:
    args = {
        "model": f"INDEX({table_name('model')},{{model_row}},0)",
        "hw": f"INDEX({table_name('hardware')},{{hardware_row}},0)",
        "seq": "{prompt_tokens}",
        "batch": "{batch}",
        "precision": "{precision}",
        "tp": "{tp}",
    }
    return "=" + call(name, args, offered={"output": "{output_tokens}"})


# Block mode (``blocks_layout``): one MLSYS_SERVING_BLOCK call fills the engine columns.
BLOCK = BlockPlan(
    "MLSYS_SERVING_BLOCK",
    (
        ("fits", "FITS", "*1"),
        ("mem_util", "MEM_UTIL", ""),
        ("kv_cache", "KV_CACHE", ""),
        ("ttft", "TTFT", ""),
        ("itl", "ITL", ""),
        ("tokens_per_replica", "TOKENS_PER_S", ""),
    ),
    {
        "model": "{model}",
        "hw": "{hardware}",
        "seq": "{prompt_tokens}",
        "batch": "{batch}",
        "precision": "{precision}",
        "tp": "{tp}",
        "models": table_name("model"),
        "hardware": table_name("hardware"),
    },
)


def columns(block: bool = False) -> list[Col]:
    per_cell = _columns()
    return blocks_layout.columns(BLOCK, per_cell) if block else per_cell


def _columns() -> list[Col]:
    i, f, e = styles.INPUT, styles.FORMULA, styles.ENGINE
    return [
        Col("name", "Scenario", i, styles.TEXT, 36.0),
        Col("model", "Model (Models ID)", i, styles.TEXT, 16.0),
        Col("hardware", "Hardware (Hardware ID)", i, styles.TEXT, 14.0),
        Col("precision", "Precision", i, styles.TEXT, 10.0),
        Col("tp", "TP (accelerators per replica)", i, styles.WHOLE, 12.0),
        Col("prompt_tokens", "Prompt (tokens)", i, styles.WHOLE),
        Col("output_tokens", "Output (tokens)", i, styles.WHOLE),
        Col("batch", "Batch (requests per replica)", i, styles.WHOLE),
        Col("replicas", "Replicas", i, styles.WHOLE, 10.0),
        Col("region", "Region (Regions ID)", i, styles.TEXT, 14.0),
        row_lookup("model"),
        row_lookup("hardware"),
        Col("fits", "Fits in memory (1 = yes)", e, styles.YES_NO, 10.0, _engine("MLSYS_FITS") + "*1"),
        Col("mem_util", "Memory use (% of capacity)", e, styles.PERCENT, 12.0, _engine("MLSYS_MEM_UTIL")),
        Col("kv_cache", "KV cache (GB)", e, styles.GB, 12.0, _engine("MLSYS_KV_CACHE")),
        Col("ttft", "TTFT (ms)", e, styles.MS, 13.0, _engine("MLSYS_TTFT")),
        Col("itl", "ITL (ms)", e, styles.MS, 12.0, _engine("MLSYS_ITL")),
        Col(
            "tokens_per_replica",
            "Throughput per replica (tokens/s)",
            e,
            styles.TOKENS_S,
            14.0,
            _engine("MLSYS_TOKENS_PER_S"),
        ),
        Col(
            "tokens_total",
            "Throughput, all replicas (tokens/s)",
            f,
            styles.TOKENS_S,
            14.0,
            '=IF({fits}=1,{tokens_per_replica}*{replicas},"n/a")',
        ),
        Col(
            "latency",
            "Request latency: TTFT + output × ITL (s)",
            f,
            styles.NUMBER,
            14.0,
            '=IF({fits}=1,({ttft}+{output_tokens}*{itl})/1000,"n/a")',
        ),
        Col("accelerators", "Accelerators (TP × replicas)", f, styles.WHOLE, 13.0, "={tp}*{replicas}"),
        Col(
            "error",
            "Error (1 = yes)",
            f,
            styles.FLAG,
            9.0,
            "=IF(ISERROR({fits}+{mem_util}+{kv_cache}+IF({fits}=1,{ttft}+{itl}+{tokens_per_replica},0)),1,0)",
        ),
    ]


def _record(s: ServingScenario) -> dict[str, Any]:
    return {
        "name": s.name,
        "model": s.model,
        "hardware": s.hardware,
        "precision": s.precision,
        "tp": s.tp,
        "prompt_tokens": s.prompt_tokens,
        "output_tokens": s.output_tokens,
        "batch": s.batch,
        "replicas": s.replicas,
        "region": s.region,
    }


def write_serving(
    workbook: Any,
    scenarios: tuple[ServingScenario, ...],
    catalogs: dict[str, CatalogSheet],
    *,
    block: bool = False,
) -> Table:
    table = Table(workbook, "Serving", columns(block))
    table.frame("Serving", NOTE, header_height=60.0)
    table.write((_record(s) for s in scenarios), count=len(scenarios))
    if block:
        blocks_layout.place(table, BLOCK)
    table.dropdown("model", catalogs["model"].name("id"), "an ID from the Models sheet")
    table.dropdown("hardware", catalogs["hardware"].name("id"), "an ID from the Hardware sheet")
    table.dropdown("precision", PRECISIONS, "a precision the hardware supports")
    table.dropdown("region", catalogs["region"].name("id"), "an ID from the Regions sheet")
    for key in ("tp", "prompt_tokens", "output_tokens", "batch", "replicas"):
        table.whole_number(key)
    fits = f"${table.letter('fits')}{FIRST_ROW}"
    table.highlight_rows(f'AND({fits}<>"",{fits}=0)', RED)
    table.highlight_rows(f"${table.letter('error')}{FIRST_ROW}=1", AMBER)
    table.protect()
    return table
