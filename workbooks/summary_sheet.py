"""The Summary sheet: one page, one row per scenario (the TCO sheet's rows, same order), each figure
a link to the detail sheet that computes it, and the scenario name a hyperlink to its row there.

Columns (keys stable): ``name``, ``kind`` (Serving/Training), ``item``, ``region``,
``accelerators``, ``usd_year`` (owned TCO per year: the TCO sheet's ``tco`` × days per year /
period), ``cost_per_mtok``, ``co2_year`` (the Carbon sheet's ``emissions`` per year), ``fits``,
``binding``, ``cheaper`` and ``breakeven`` (rent versus own), ``price_date``.

``binding`` links the Serving sheet's ``limit`` (the capacity plan's binding limit,
``MLSYS_LIMIT``) on a serving row. A training row, whose sheet has no such column, derives it from
what the sheet computes: "memory capacity" when the run does not fit, or fits with 90 % or more of
memory used, "none (fits)" otherwise.
"""

from __future__ import annotations

from typing import Any

from openpyxl.chart import BarChart, Reference
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.hyperlink import Hyperlink

from . import styles
from .charts import _text_categories
from .layout import FIRST_ROW, Col, Table
from .names import DAYS_PER_YEAR, PERIOD_DAYS
from .print_setup import column_cm, table_cm

SHEET = "Summary"
NOTE = (
    "One row per scenario, linked to the detail sheets (click a scenario to open its row). Owned "
    "costs per year at each TCO row's utilisation; rental prices as read on the date shown."
)
NEAR_FULL = 0.9
CHART_HEIGHT_CM = 7.5


def columns() -> list[Col]:
    link, f = styles.LINK, styles.FORMULA
    per_year = f"{DAYS_PER_YEAR}/{PERIOD_DAYS}"
    return [
        Col("name", "Scenario (click: detail row)", link, styles.TEXT, 44.0, "={src_name}"),
        Col("kind", "Sheet", link, styles.TEXT, 8.0, "={src_kind}"),
        Col("item", "Hardware or fleet", link, styles.TEXT, 14.0, "={src_item}"),
        Col("region", "Region", link, styles.TEXT, 10.0, "={src_region}"),
        Col("accelerators", "Accelerators", link, styles.WHOLE, 10.0, "={src_accelerators}"),
        Col("usd_year", "Owned cost per year (USD)", f, styles.USD, 12.0, f"={{src_tco}}*{per_year}"),
        Col(
            "cost_per_mtok",
            "Cost per million tokens, owned (USD)",
            link,
            styles.USD_PRECISE,
            11.0,
            "={src_mtok}",
        ),
        Col(
            "co2_year",
            "Emissions per year: facility energy (tCO2e)",
            f,
            styles.TCO2E,
            12.0,
            f"={{src_co2}}*{per_year}",
        ),
        Col("fits", "Fits in memory", link, styles.YES_NO, 8.0, "={src_fits}"),
        Col("binding", "Binding limit", link, styles.TEXT, 18.0, "={binding_expr}"),
        Col("cheaper", "Cheaper: own or rent (NPV)", link, styles.TEXT, 9.0, "={src_cheaper}"),
        Col("breakeven", "Break-even utilisation for owning", link, styles.PERCENT, 10.0, "={src_breakeven}"),
        Col("price_date", "Rental price read on", link, styles.TEXT, 11.0, "={src_price_date}"),
    ]


def _has(table: Table, key: str) -> bool:
    return any(c.key == key for c in table.columns)


def _binding(src: Table, row: int) -> str:
    if _has(src, "limit"):
        return src.cell_ref("limit", row)
    fits = src.cell_ref("fits", row)
    if _has(src, "mem_util"):
        used = src.cell_ref("mem_util", row)
        return (
            f'IF({fits}=0,"memory capacity (does not fit)",'
            f'IF({used}>={NEAR_FULL},"memory capacity","none (fits)"))'
        )
    return f'IF({fits}=0,"memory capacity (does not fit)","none (fits)")'


def write_summary(workbook: Any, tables: dict[str, Any]) -> Table:
    """The Summary sheet (written last, moved to the front by the caller)."""
    tco, carbon = tables["tco"], tables["carbon"]
    serving, training = tables["serving"], tables["training"]
    table = Table(workbook, SHEET, columns())
    table.frame("Summary: cost, tokens, carbon and limits per scenario", NOTE, header_height=48.0)
    sources: list[tuple[Table, int]] = [(serving, FIRST_ROW + k) for k in range(serving.rows)]
    sources += [(training, FIRST_ROW + k) for k in range(training.rows)]

    def links(index: int, row: int) -> dict[str, str]:
        src, src_row = sources[index]
        at = FIRST_ROW + index
        return {
            "src_name": tco.cell_ref("name", at),
            "src_kind": tco.cell_ref("basis", at),
            "src_item": tco.cell_ref("item", at),
            "src_region": tco.cell_ref("region", at),
            "src_accelerators": tco.cell_ref("accelerators", at),
            "src_tco": tco.cell_ref("tco", at),
            "src_mtok": tco.cell_ref("per_million_tokens", at),
            "src_co2": carbon.cell_ref("emissions", at),
            "src_fits": src.cell_ref("fits", src_row),
            "binding_expr": _binding(src, src_row),
            "src_cheaper": tco.cell_ref("cheaper", at),
            "src_breakeven": tco.cell_ref("breakeven", at),
            "src_price_date": tco.cell_ref("price_date", at),
        }

    table.write([{}] * len(sources), count=len(sources), links=links, spare=0)
    ws = table.worksheet
    name_col = table.letter("name")
    for index, (src, src_row) in enumerate(sources):
        cell = ws[f"{name_col}{FIRST_ROW + index}"]
        cell.hyperlink = Hyperlink(ref=cell.coordinate, location=f"{src.sheet_ref}!A{src_row}")
    ws.freeze_panes = None
    _charts(table)
    table.protect()
    return table


def _charts(table: Table) -> None:
    """Owned cost and emissions per year per scenario, side by side below the table (columns)."""
    if not table.rows:
        return
    ws = table.worksheet
    last = FIRST_ROW + table.rows - 1
    width = table_cm(ws, len(table.columns)) / 2
    anchor_row = last + 2
    for k, (key, title, axis) in enumerate(
        (
            ("usd_year", "Owned cost per year (USD)", "USD per year"),
            ("co2_year", "Emissions per year (tCO2e)", "tCO2e per year"),
        )
    ):
        chart = BarChart()
        chart.type, chart.grouping = "col", "clustered"
        chart.title = title
        chart.y_axis.title = axis
        chart.legend = None
        col = table.columns.index(next(c for c in table.columns if c.key == key)) + 1
        chart.add_data(Reference(ws, min_col=col, min_row=FIRST_ROW, max_row=last), titles_from_data=False)
        _text_categories(chart, Reference(ws, min_col=1, min_row=FIRST_ROW, max_row=last))
        chart.x_axis.delete = False
        chart.y_axis.delete = False
        chart.width, chart.height = width, CHART_HEIGHT_CM
        anchor_col = 1 if k == 0 else _column_at(ws, width)
        ws.add_chart(chart, f"{get_column_letter(anchor_col)}{anchor_row}")


def _column_at(ws: Any, cm: float) -> int:
    """The first column starting at or right of ``cm`` from the sheet's left edge."""
    col, covered = 1, 0.0
    while covered < cm:
        covered += column_cm(ws, col)
        col += 1
    return col
