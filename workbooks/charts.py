"""Native charts: TCO breakdown (stacked columns), emissions by region (columns), TTFT and ITL per
serving scenario (columns for TTFT, markers for ITL on its own axis: scenarios are categories, so
no line joins them). Charts read the cells, so they follow every recompute; a chart shows at most
``MAX_CATEGORIES`` rows to stay readable. Each chart is as wide as its sheet's table, so the two
print at one scale, the chart filling the page (``print_setup``)."""

from __future__ import annotations

from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.chart.data_source import AxDataSource, StrRef
from openpyxl.chart.marker import Marker
from openpyxl.chart.shapes import GraphicalProperties
from openpyxl.drawing.line import LineProperties
from openpyxl.utils import get_column_letter

from .layout import FIRST_ROW, HEADER_ROW, Table
from .print_setup import chart_size_for, table_cm

MAX_CATEGORIES = 40


def _shown(table: Table) -> tuple[int, str]:
    """(last row shown, title suffix)."""
    shown = min(table.rows, MAX_CATEGORIES)
    suffix = f" (first {shown} of {table.rows})" if table.rows > shown else ""
    return FIRST_ROW + shown - 1, suffix


def _anchor(table: Table, gap: int = 2) -> str:
    return f"{get_column_letter(len(table.columns) + gap)}{FIRST_ROW}"


def _series(chart, table: Table, key: str, last: int) -> None:
    col = table.columns.index(next(c for c in table.columns if c.key == key)) + 1
    chart.add_data(
        Reference(table.worksheet, min_col=col, min_row=HEADER_ROW, max_row=last), titles_from_data=True
    )


def _text_categories(chart, reference: Reference) -> None:
    """Category labels are scenario or region names: a string reference (openpyxl's
    ``set_categories`` writes a numeric one, which Excel shows as 1, 2, 3...)."""
    for series in chart.series:
        series.cat = AxDataSource(strRef=StrRef(f=str(reference)))


def _categories(table: Table, last: int) -> Reference:
    return Reference(table.worksheet, min_col=1, min_row=FIRST_ROW, max_row=last)


def size_for_page(chart, table: Table) -> None:
    """As wide as ``table``'s columns, as tall as a landscape page allows at that width."""
    chart.width, chart.height = chart_size_for(table_cm(table.worksheet, len(table.columns)))


def markers_only(chart) -> None:
    """Each series as markers, no joining line, no smoothing."""
    for series in chart.series:
        series.smooth = False
        series.marker = Marker(symbol="diamond", size=8)
        series.graphicalProperties = GraphicalProperties(ln=LineProperties(noFill=True))


def _show_axes(*charts) -> None:
    for chart in charts:
        chart.x_axis.delete = False
        chart.y_axis.delete = False


def tco_chart(tco: Table) -> None:
    if not tco.rows:
        return
    last, suffix = _shown(tco)
    chart = BarChart()
    chart.type, chart.grouping, chart.overlap = "col", "stacked", 100
    chart.title = "TCO for the period by component (USD)" + suffix
    chart.x_axis.title, chart.y_axis.title = "Scenario", "USD"
    for key in ("capex", "energy_cost", "maintenance"):
        _series(chart, tco, key, last)
    _text_categories(chart, _categories(tco, last))
    _show_axes(chart)
    size_for_page(chart, tco)
    tco.worksheet.add_chart(chart, _anchor(tco))


def carbon_chart(carbon: Table, regions: Table, block: tuple[int, int, int]) -> None:
    """On the Carbon sheet, from the per-region totals on the Regions sheet."""
    first_col, first_row, last_row = block
    if last_row < first_row:
        return
    ws = regions.worksheet
    chart = BarChart()
    chart.type, chart.grouping = "col", "clustered"
    chart.title = "Emissions by region (tCO2e for the period)"
    chart.x_axis.title, chart.y_axis.title = "Region", "tCO2e"
    for col in (first_col, first_col + 1):
        chart.add_data(
            Reference(ws, min_col=col, min_row=HEADER_ROW, max_row=last_row), titles_from_data=True
        )
    _text_categories(chart, Reference(ws, min_col=1, min_row=first_row, max_row=last_row))
    _show_axes(chart)
    size_for_page(chart, carbon)
    carbon.worksheet.add_chart(chart, _anchor(carbon))


def latency_chart(serving: Table) -> None:
    if not serving.rows:
        return
    last, suffix = _shown(serving)
    bars = BarChart()
    bars.type, bars.grouping = "col", "clustered"
    bars.title = "TTFT and ITL per serving scenario (ms)" + suffix
    bars.x_axis.title, bars.y_axis.title = "Scenario", "TTFT (ms)"
    _series(bars, serving, "ttft", last)
    _text_categories(bars, _categories(serving, last))
    line = LineChart()
    _series(line, serving, "itl", last)
    markers_only(line)
    line.y_axis.axId = 200
    line.y_axis.title = "ITL (ms)"
    line.y_axis.crosses = "max"
    _show_axes(bars, line)
    bars += line
    size_for_page(bars, serving)
    serving.worksheet.add_chart(bars, _anchor(serving))
