"""The Reliability sheet: failures and checkpointing of a job on a fleet (MLSYS_* reliability
functions: Poisson failures from component MTBFs, the Young/Daly checkpoint interval)."""

from __future__ import annotations

from typing import Any

from . import blocks_layout, styles
from .blocks_layout import BlockPlan
from .catalog_sheets import CatalogSheet, column_name, row_lookup, table_name
from .engine_calls import call
from .layout import AMBER, FIRST_ROW, Col, Table
from .scenarios import ReliabilityScenario

NOTE = (
    "One job per row: how often the fleet fails during it, how often to checkpoint, and the share of "
    "wall time left for useful work."
)


def _engine(name: str) -> str:
    fleet = {"fleet": f"INDEX({table_name('fleet')},{{fleet_row}},0)"}
    return "=" + call(name, fleet, offered={"hours": "{job_hours}", "ckpt_s": "{checkpoint_s}"})


# Block mode (``blocks_layout``): one MLSYS_RELIABILITY_BLOCK call fills the engine columns.
BLOCK = BlockPlan(
    "MLSYS_RELIABILITY_BLOCK",
    (
        ("mtbf", "MTBF", ""),
        ("fail_prob", "FAIL_PROB", ""),
        ("expected_failures", "EXPECTED_FAILURES", ""),
        ("ckpt_interval", "CKPT_INTERVAL", ""),
        ("goodput", "GOODPUT", ""),
    ),
    {"fleet": "{fleet}", "hours": "{job_hours}", "ckpt_s": "{checkpoint_s}", "fleets": table_name("fleet")},
)


def columns(block: bool = False) -> list[Col]:
    per_cell = _columns()
    return blocks_layout.columns(BLOCK, per_cell) if block else per_cell


def _columns() -> list[Col]:
    i, f, e = styles.INPUT, styles.FORMULA, styles.ENGINE
    nodes, per_node = column_name("fleet", "nodes"), column_name("fleet", "accelerators_per_node")
    return [
        Col("name", "Scenario", i, styles.TEXT, 34.0),
        Col("fleet", "Fleet (Fleets ID)", i, styles.TEXT, 14.0),
        Col("job_hours", "Job length (h)", i, styles.HOURS, 12.0),
        Col("checkpoint_s", "Checkpoint write time (s)", i, styles.NUMBER, 12.0),
        row_lookup("fleet"),
        Col(
            "accelerators",
            "Accelerators",
            f,
            styles.WHOLE,
            12.0,
            f"=INDEX({nodes},{{fleet_row}})*INDEX({per_node},{{fleet_row}})",
        ),
        Col("mtbf", "Fleet MTBF (h)", e, styles.HOURS, 12.0, _engine("MLSYS_MTBF")),
        Col(
            "fail_prob", "P(failure during the job) (%)", e, styles.PERCENT, 13.0, _engine("MLSYS_FAIL_PROB")
        ),
        Col(
            "expected_failures",
            "Expected failures",
            e,
            styles.NUMBER,
            11.0,
            _engine("MLSYS_EXPECTED_FAILURES"),
        ),
        Col(
            "ckpt_interval",
            "Checkpoint interval (min)",
            e,
            styles.MINUTES,
            13.0,
            _engine("MLSYS_CKPT_INTERVAL"),
        ),
        Col("goodput", "Goodput (% of wall time)", e, styles.PERCENT, 12.0, _engine("MLSYS_GOODPUT")),
        Col(
            "error",
            "Error (1 = yes)",
            f,
            styles.FLAG,
            9.0,
            "=IF(ISERROR({mtbf}+{fail_prob}+{expected_failures}+{ckpt_interval}+{goodput}),1,0)",
        ),
    ]


def write_reliability(
    workbook: Any,
    scenarios: tuple[ReliabilityScenario, ...],
    catalogs: dict[str, CatalogSheet],
    *,
    block: bool = False,
) -> Table:
    table = Table(workbook, "Reliability", columns(block))
    table.frame("Reliability", NOTE, header_height=60.0)
    records = (
        {"name": s.name, "fleet": s.fleet, "job_hours": s.job_hours, "checkpoint_s": s.checkpoint_s}
        for s in scenarios
    )
    table.write(records, count=len(scenarios))
    if block:
        blocks_layout.place(table, BLOCK)
    table.dropdown("fleet", catalogs["fleet"].name("id"), "an ID from the Fleets sheet")
    table.positive_number("job_hours")
    table.positive_number("checkpoint_s")
    table.highlight_rows(f"${table.letter('error')}{FIRST_ROW}=1", AMBER)
    table.protect()
    return table
