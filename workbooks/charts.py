"""Native charts: TCO breakdown (stacked bars), emissions by region (bars), TTFT and ITL per serving
scenario (bars for TTFT, a line for ITL on its own axis). Charts read the cells, so they follow
every recompute; a chart shows at most ``MAX_CATEGORIES`` rows to stay readable."""

from __future__ import annotations

from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.chart.data_source import AxDataSource, StrRef
from openpyxl.utils import get_column_letter

from .layout import FIRST_ROW, HEADER_ROW, Table

MAX_CATEGORIES = 40
_WIDTH_CM, _HEIGHT_CM = 24.0, 12.0


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


def _show_axes(*charts) -> None:
    for chart in charts:
        chart.x_axis.delete = False
        chart.y_axis.delete = False


def tco_chart(tco: Table) -> None:
    if not tco.rows:
        return
    last, suffix = _shown(tco)
    chart = BarChart()
    chart.type, chart.grouping, chart.overlap = "bar", "stacked", 100
    chart.title = "TCO for the period by component (USD)" + suffix
    chart.x_axis.title, chart.y_axis.title = "Scenario", "USD"
    for key in ("capex", "energy_cost", "maintenance"):
        _series(chart, tco, key, last)
    _text_categories(chart, _categories(tco, last))
    _show_axes(chart)
    chart.width, chart.height = _WIDTH_CM, max(_HEIGHT_CM, 0.7 * (last - FIRST_ROW + 1))
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
    chart.width, chart.height = _WIDTH_CM, _HEIGHT_CM
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
    line.y_axis.axId = 200
    line.y_axis.title = "ITL (ms)"
    line.y_axis.crosses = "max"
    _show_axes(bars, line)
    bars += line
    bars.width, bars.height = _WIDTH_CM, _HEIGHT_CM
    serving.worksheet.add_chart(bars, _anchor(serving))
