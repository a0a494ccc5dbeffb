"""The Sensitivity sheet: where the ranges come from, and what moves the money.

- Validated bands: per estimate family, the leave-one-out cases it rests on and its P10 and P90
  factors (``mlsysim.ranges.bands``); the Ranges sheet multiplies headline cells by these cells.
- Per scenario family (serving: cost per million tokens; TCO of the first training fleet; training:
  run cost), a one-at-a-time tornado of the first scenario of that family (``mlsysim.ranges.
  sensitivity``): each driver at its low and high, the others at base, ranked by swing, with a
  native bar chart of the swings around the base (two overlapping bar series, which LibreOffice and
  Excel both draw), and the two-way table of the two leading drivers.

The tornado and two-way values are computed when the workbook is built (the drivers' spreads are
catalog data, not cells), written as values, so a recompute leaves them as they are; the chart's
deltas are formulas on them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mlsysim.api.ranges import RangeReport, RangesModel
from mlsysim.errors import MlsysimError
from mlsysim.ranges.bands import CENTRAL, band
from mlsysim.ranges.families import FAMILIES
from openpyxl.chart import BarChart, Reference
from openpyxl.chart.data_source import AxDataSource, StrRef
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter, quote_sheetname

from . import styles
from .layout import NOTE_ROW, TITLE_ROW, master_check_colours, protect, put_text
from .names import MASTER_CHECK
from .scenarios import Scenarios

SHEET = "Sensitivity"
NOTE = (
    "Where the ranges come from: validated bands from leave-one-out validation residuals, and what moves "
    "cost most: one input at a time through its sourced spread (catalog/assumptions.toml [spreads])."
)
BANDS_HEADER = ("Estimate family", "Cases", "Categories (cases)", "P10 factor", "P90 factor", "Basis")
TORNADO_HEADER = (
    "Driver",
    "Input at low",
    "Input at high",
    "Result at low",
    "Result at high",
    "Swing",
    "Low - base",
    "High - base",
    "Source",
)
WIDTHS = (34.0, 12.0, 12.0, 16.0, 16.0, 14.0, 14.0, 14.0, 60.0)


@dataclass(frozen=True, slots=True)
class Bands:
    """Cell references of each family's P10 and P90 factor (absolute, from another sheet)."""

    low: Mapping[str, str]
    high: Mapping[str, str]


_BANDS_ROW = NOTE_ROW + 2  # the bands' title; their header below it, then one row per family


def band_cells() -> Bands:
    """Where ``write_sensitivity`` puts each family's factors (the Ranges sheet refers to them)."""
    sheet = quote_sheetname(SHEET)
    rows = {key: _BANDS_ROW + 2 + i for i, key in enumerate(FAMILIES)}
    return Bands(
        {k: f"{sheet}!$D${r}" for k, r in rows.items()}, {k: f"{sheet}!$E${r}" for k, r in rows.items()}
    )


def write_sensitivity(workbook: Any, plan: Scenarios, catalog: Any) -> None:
    ws = workbook.create_sheet(SHEET)
    for i, width in enumerate(WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.cell(TITLE_ROW, 1, "Sensitivity and ranges").style = styles.TITLE.name
    ws.cell(TITLE_ROW, 2, "Master check").style = styles.LABEL.name
    ws.cell(TITLE_ROW, 3, f'=IF({MASTER_CHECK},"OK","FAILED: see Checks")').style = styles.CHECK.name
    master_check_colours(ws, f"C{TITLE_ROW}")
    put_text(ws.cell(NOTE_ROW, 1), NOTE)
    ws.cell(NOTE_ROW, 1).style = styles.LABEL.name
    row = _bands(ws, _BANDS_ROW)
    for title, report in _sections(plan, catalog):
        row = _tornado(ws, row + 1, title, report)
    protect(ws)


def _header(ws: Any, row: int, headers: tuple[str, ...]) -> None:
    for col, text in enumerate(headers, start=1):
        ws.cell(row, col, text).style = styles.HEADER.name


def _put(ws: Any, row: int, col: int, value: Any, fmt: str = styles.GENERAL, role: Any = styles.LABEL) -> Any:
    cell = ws.cell(row, col)
    if isinstance(value, str) and not value.startswith("="):
        put_text(cell, value)
    else:
        cell.value = value
    cell.style = role.name
    if fmt != styles.GENERAL:
        cell.number_format = fmt
    return cell


def _bands(ws: Any, row: int) -> int:
    _put(
        ws,
        row,
        1,
        "Validated bands: leave-one-out time ratios (measured / estimated) per family",
        role=styles.TITLE,
    )
    _header(ws, row + 1, BANDS_HEADER)
    row += 2
    for key in FAMILIES:
        b = band(key)
        _put(ws, row, 1, key)
        _put(ws, row, 2, b.cases, styles.WHOLE)
        _put(ws, row, 3, ", ".join(f"{k} ({n})" for k, n in b.categories.items()) or "none")
        p10, p90 = b.ratio(CENTRAL[0]), b.ratio(CENTRAL[1])
        _put(ws, row, 4, "no validated range" if p10 is None else p10, styles.PRECISE)
        _put(ws, row, 5, "no validated range" if p90 is None else p90, styles.PRECISE)
        _put(ws, row, 6, b.provenance()).alignment = Alignment(wrap_text=False)
        row += 1
    return row


def _sections(plan: Scenarios, catalog: Any) -> list[tuple[str, RangeReport]]:
    """The first scenario of each family, as ranges reports (a scenario the engine rejects, or one
    without a price, has no section)."""
    model = RangesModel(catalog)
    wanted: list[tuple[str, str, dict[str, Any]]] = []
    if plan.serving:
        s = plan.serving[0]
        wanted.append(
            (
                f"Cost per million tokens (USD) of serving scenario '{s.name}' at its static batch",
                "token_cost",
                _serving(s),
            )
        )
    if plan.training:
        t = plan.training[0]
        wanted.append(
            (
                f"TCO for a year (USD) of the fleet of training scenario '{t.name}'",
                "economics",
                {"fleet": t.fleet, "duration_days": 365, "datacenter": t.region},
            )
        )
        wanted.append((f"Run cost (USD) of training scenario '{t.name}'", "run", _training(t)))
    out = []
    for title, solver, inputs in wanted:
        try:
            report = model.solve(solver, **inputs)
        except MlsysimError:
            continue
        if report.tornado:
            out.append((title, report))
    return out


def _serving(s: Any) -> dict[str, Any]:
    return {
        "model": s.model,
        "hardware": s.hardware,
        "seq_len": s.prompt_tokens,
        "batch_size": s.batch,
        "precision": s.precision or None,
        "output_len": s.output_tokens,
        "tp_size": s.tp,
        "datacenter": s.region,
    }


def _training(t: Any) -> dict[str, Any]:
    return {
        "model": t.model,
        "fleet": t.fleet,
        "batch_size": t.global_batch,
        "seq_len": t.seq_len,
        "precision": t.precision or None,
        "tokens": t.tokens,
        "tp_size": t.tp,
        "pp_size": t.pp,
        "microbatch_size": t.microbatch_size,
        "datacenter": t.region,
    }


def _tornado(ws: Any, row: int, title: str, report: RangeReport) -> int:
    c = report.composite
    assert c is not None
    _put(ws, row, 1, title, role=styles.TITLE)
    _put(ws, row + 1, 1, "Base (point estimate)")
    base = _put(ws, row + 1, 2, c.base, styles.USD_CENTS)
    _put(ws, row + 1, 3, f"P10 {c.low:,.2f} - P90 {c.high:,.2f}: {c.provenance()}")
    base_ref = f"$B${base.row}"
    _header(ws, row + 2, TORNADO_HEADER)
    first = row + 3
    for i, bar in enumerate(report.tornado):
        r = first + i
        _put(ws, r, 1, bar.label)
        _put(ws, r, 2, bar.input_low, styles.PRECISE)
        _put(ws, r, 3, bar.input_high, styles.PRECISE)
        _put(ws, r, 4, bar.at_low, styles.USD_CENTS)
        _put(ws, r, 5, bar.at_high, styles.USD_CENTS)
        _put(ws, r, 6, bar.swing, styles.USD_CENTS)
        _put(ws, r, 7, f"=D{r}-{base_ref}", styles.USD_CENTS, styles.FORMULA)
        _put(ws, r, 8, f"=E{r}-{base_ref}", styles.USD_CENTS, styles.FORMULA)
        _put(ws, r, 9, bar.source)
    last = first + len(report.tornado) - 1
    _chart(ws, title, first, last)
    row = last + 2
    if report.two_way is not None:
        t = report.two_way
        _put(ws, row, 1, f"Two-way: {t.row_driver} (rows) x {t.column_driver} (columns)", role=styles.HEADER)
        for j, value in enumerate(t.column_values):
            _put(ws, row, 2 + j, value, styles.PRECISE, styles.HEADER)
        for i, (value, cells) in enumerate(zip(t.row_values, t.table, strict=True)):
            _put(ws, row + 1 + i, 1, value, styles.PRECISE, styles.HEADER)
            for j, cell in enumerate(cells):
                _put(ws, row + 1 + i, 2 + j, cell, styles.USD_CENTS)
        row += len(t.row_values) + 1
    # room for the chart (anchored beside the table, about 15 rows tall)
    return max(row, first + 16)


def _chart(ws: Any, title: str, first: int, last: int) -> None:
    """A tornado: the swing below and above the base per driver, as two overlapping horizontal bar
    series on one category axis (largest swing on top)."""
    chart = BarChart()
    chart.type, chart.grouping, chart.overlap, chart.gapWidth = "bar", "clustered", 100, 40
    chart.title = title
    chart.y_axis.title = "Change from base"
    for col in (7, 8):
        chart.add_data(Reference(ws, min_col=col, min_row=first - 1, max_row=last), titles_from_data=True)
    labels = Reference(ws, min_col=1, min_row=first, max_row=last)
    for series in chart.series:
        series.cat = AxDataSource(strRef=StrRef(f=str(labels)))
    chart.x_axis.scaling.orientation = "maxMin"  # first row (largest swing) on top
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.width, chart.height = 18.0, 7.5
    ws.add_chart(chart, f"K{first - 2}")
