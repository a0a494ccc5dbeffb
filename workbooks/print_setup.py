"""Print setup for every sheet, applied once after the workbook is built (``apply_print_setup``), so
the sheet writers need no print code of their own. Each sheet prints landscape, one page wide
(``fitToWidth = 1``, as many pages tall as its rows need; the Summary on one page; the About sheet,
running text, portrait), A3 when its columns would shrink below about 60 % on A4. Table sheets
repeat their title, note and header rows (1-3) on every page; the print area is the filled rows only
(not the spare rows kept for new entries), and a sheet's charts, right of its table, are a second
print range printed on a page of their own at the same scale. The footer names the sheet, the page
(``page 2 of 5``) and when the values were computed.

The sizes are Excel's: a column of width w characters is 7w + 5 pixels at 96 dpi; a row is 20
pixels unless its height is set (points).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.utils.cell import coordinate_from_string, range_boundaries
from openpyxl.worksheet.page import PageMargins

from .layout import HEADER_ROW

CM_PER_PIXEL = 2.54 / 96
DEFAULT_COLUMN_WIDTH = 8.43  # characters: Excel's default column
DEFAULT_ROW_PIXELS = 20.0
POINTS_PER_PIXEL = 0.75
# Printable width (cm) of a landscape page with the margins below.
PRINTABLE_CM = {"A4": 29.7 - 2 * 1.0, "A3": 42.0 - 2 * 1.0}
PAPER = {"A4": 9, "A3": 8}  # ECMA-376 paperSize codes
MIN_A4_SCALE = 0.6
# Chart height / width that fits a landscape page's printable area below the title rows.
PAGE_RATIO = 0.55
ONE_PAGE = ("Summary",)
# Sheets whose charts sit beside their tables: one print range around both, paged down the sheet
# (not a page of its own per chart).
ONE_RANGE = ("Sensitivity",)
PORTRAIT = ("About",)  # running text: a tall page holds more of its lines
TITLE_ROWS = f"1:{HEADER_ROW}"

__all__ = ["apply_print_setup", "chart_size_for", "column_cm", "footer_text", "table_cm"]


def footer_text(computed_at: datetime | None) -> str:
    """The footer (Excel codes: &A sheet name, &P page, &N pages)."""
    when = computed_at.strftime("%Y-%m-%d %H:%M UTC") if computed_at is not None else "not computed yet"
    return f"&A - page &P of &N - computed {when}"


def column_cm(worksheet: Any, index: int) -> float:
    """Width of column ``index`` (1-based) in cm."""
    dimension = worksheet.column_dimensions.get(get_column_letter(index))
    width = dimension.width if dimension is not None and dimension.width else DEFAULT_COLUMN_WIDTH
    return (7 * width + 5) * CM_PER_PIXEL


def table_cm(worksheet: Any, columns: int) -> float:
    """Width of the first ``columns`` columns in cm."""
    return sum(column_cm(worksheet, c) for c in range(1, columns + 1))


def _row_cm(worksheet: Any, row: int) -> float:
    dimension = worksheet.row_dimensions.get(row)
    if dimension is not None and dimension.height:
        return dimension.height / POINTS_PER_PIXEL * CM_PER_PIXEL
    return DEFAULT_ROW_PIXELS * CM_PER_PIXEL


def _used(worksheet: Any) -> tuple[int, int]:
    """(last row, last column) to print: rows down to the last one with a value in column A (a
    table's ID or scenario column: spare rows, even those holding formulas that show blanks, end
    there), columns out to the last value in those rows."""
    last_row = max(
        (c.row for c in worksheet["A"] if c.value is not None and c.value != ""),
        default=1,
    )
    last_col = 1
    for row in worksheet.iter_rows(min_row=1, max_row=last_row):
        for cell in row:
            if cell.value is not None and cell.value != "":
                last_col = max(last_col, cell.column)
    return last_row, last_col


def _chart_range(worksheet: Any, chart: Any) -> tuple[str, float]:
    """The cells under ``chart`` (anchored at its top-left cell) and its width in cm."""
    anchor = chart.anchor
    if not isinstance(anchor, str):
        marker = anchor._from
        col, row = marker.col + 1, marker.row + 1
    else:
        letters, row = coordinate_from_string(anchor)
        col = column_index_from_string(letters)
    last_col, covered = col, 0.0
    while covered < chart.width:
        covered += column_cm(worksheet, last_col)
        last_col += 1
    last_row, height = row, 0.0
    while height < chart.height:
        height += _row_cm(worksheet, last_row)
        last_row += 1
    return f"{get_column_letter(col)}{row}:{get_column_letter(last_col)}{last_row}", chart.width


def _bounding(ranges: list[str]) -> str:
    bounds = [range_boundaries(r) for r in ranges]
    left, top = min(b[0] for b in bounds), min(b[1] for b in bounds)
    right, bottom = max(b[2] for b in bounds), max(b[3] for b in bounds)
    return f"{get_column_letter(left)}{top}:{get_column_letter(right)}{bottom}"


def apply_print_setup(workbook: Any, computed_at: datetime | None) -> None:
    footer = footer_text(computed_at)
    for ws in workbook.worksheets:
        last_row, last_col = _used(ws)
        charts = list(ws._charts)
        ranges = [f"A1:{get_column_letter(last_col)}{last_row}"]
        widths = [table_cm(ws, last_col)]
        for chart in charts:
            cells, width = _chart_range(ws, chart)
            ranges.append(cells)
            widths.append(width)
        if ws.title in ONE_PAGE or ws.title in ONE_RANGE:  # one range (one page if ONE_PAGE)
            ranges = [_bounding(ranges)]
        wide = max(widths)
        paper = "A4" if PRINTABLE_CM["A4"] / wide >= MIN_A4_SCALE else "A3"
        setup = ws.page_setup
        setup.orientation = "portrait" if ws.title in PORTRAIT else "landscape"
        setup.paperSize = PAPER[paper]
        setup.fitToWidth = 1
        setup.fitToHeight = 1 if ws.title in ONE_PAGE else 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.page_margins = PageMargins(left=0.39, right=0.39, top=0.5, bottom=0.6, header=0.2, footer=0.25)
        ws.print_options.horizontalCentered = False
        ws.print_area = ranges
        if ws.max_row >= HEADER_ROW and ws.title not in ONE_PAGE:
            ws.print_title_rows = TITLE_ROWS
        ws.oddFooter.center.text = footer
        ws.oddFooter.center.size = 8
        ws.evenFooter.center.text = footer
        ws.evenFooter.center.size = 8


def chart_size_for(table_width_cm: float) -> tuple[float, float]:
    """A chart as wide as its table (both print at one scale, so it fills the page's width) and
    short enough to fit the page below the repeated title rows: (width, height) in cm."""
    width = max(table_width_cm, 16.0)
    return width, width * PAGE_RATIO
