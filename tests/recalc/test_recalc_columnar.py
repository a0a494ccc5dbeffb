"""Worksheets in the common form are read and patched a whole part at a time (``columnar``), and
copies of a formula with equal arguments share one call (``evaluator``). Both are shortcuts: the
cells read, the bytes written and the values computed must be those of the cell-by-cell path."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
from mlsysim.workbooks.recalc import columnar, recalc, writer
from mlsysim.workbooks.recalc.package import Package
from mlsysim.workbooks.recalc.sheet_reader import _Cells, _whole_part, read_sheet
from mlsysim.workbooks.recalc.values import DIV0, NA
from mlsysim.workbooks.recalc.workbook_xml import read_map
from recalc_support import cached_values

ROWS = 30


def _book(path: Path) -> Path:
    """Formulas filled down (with ``>`` and ``&`` that the XML escapes, and an ``_x`` escape in a
    text constant), next to numbers, text, booleans and blanks."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    for r in range(1, ROWS + 1):
        ws.cell(r, 1, r)
        ws.cell(r, 2, "a&b" if r % 3 else None)
        ws.cell(r, 3, r % 2 == 0)
        ws.cell(r, 4, f'=IF(A{r}>2,A{r}*2,"x&y")')
        ws.cell(r, 5, f'=B{r}&"_x0041_"')
        ws.cell(r, 6, f"=SUM($A$1:A{r})")
    wb.save(path)
    return path


def _read_both_ways(tmp_path: Path) -> tuple[Any, Any]:
    """The test book's sheet read by the columnar shortcut and by the expat cell reader."""
    pkg = Package(_book(tmp_path / "book.xlsx"))
    try:
        book = read_map(pkg)
        sheet = book.sheets[0]
        fast = read_sheet(pkg, sheet, book.shared_strings, [10**6])
        slow = _Cells(sheet, book.shared_strings, [10**6])
        _whole_part(fast.data, slow)
    finally:
        pkg.close()
    return fast, slow


def test_common_form_reads_the_cells_expat_reads(tmp_path: Path) -> None:
    fast, slow = _read_both_ways(tmp_path)
    assert fast.common  # the shortcut was taken
    assert fast.values == slow.out.values
    assert (fast.max_row, fast.max_col) == (slow.out.max_row, slow.out.max_col)
    expected = [(f.row, f.col, f.text) for f in slow.out.formulas]
    assert list(zip(fast.rows, fast.cols, fast.texts, strict=True)) == expected
    assert fast.texts[0] == 'IF(A1>2,A1*2,"x&y")'  # entities replaced
    assert fast.texts[1] == 'B1&"A"'  # the _x0041_ escape decoded, as the expat path does


def test_common_patch_writes_the_bytes_the_cell_writer_writes(tmp_path: Path) -> None:
    fast, slow = _read_both_ways(tmp_path)
    kinds = [3.0, 0.1, -0.0, 1e16, True, False, DIV0, NA, "<a & b>", ""]
    values = [kinds[i % len(kinds)] for i in range(len(fast.rows))]
    assert columnar.patch(fast.data, values, writer.encode) == writer.patch_sheet(
        fast.data, slow.out.formulas, values
    )


def test_copies_with_equal_arguments_share_a_call_only_when_the_cells_are_equal(tmp_path: Path) -> None:
    """Python holds TRUE equal to 1: copies must not share ISNUMBER's answer across them.
    ISNUMBER(TRUE) is FALSE, ISNUMBER(1) TRUE (Microsoft, "IS functions"); INDEX with a row number
    read from a cell picks that row (Microsoft, "INDEX function")."""
    wb = openpyxl.Workbook()
    ws = wb.active
    for r in range(1, ROWS + 1):
        ws.cell(r, 1, True if r % 2 else 1)
        ws.cell(r, 2, r % 3 + 1)  # a row number: 1, 2 or 3
        ws.cell(r, 3, f"=ISNUMBER(A{r})")
        ws.cell(r, 4, f"=INDEX($F$1:$F$3,B{r})")
        ws.cell(r, 5, f"=INDEX($F$1:$G$3,B{r},2)")
    for r, (f, g) in enumerate([(10, "x"), (20, "y"), (30, "z")], start=1):
        ws.cell(r, 6, f)
        ws.cell(r, 7, g)
    wb.save(tmp_path / "in.xlsx")
    report = recalc(tmp_path / "in.xlsx", tmp_path / "out.xlsx")
    assert report.exit_code == 0, report.errors
    got = cached_values(tmp_path / "out.xlsx")
    for r in range(1, ROWS + 1):
        assert got["Sheet", f"C{r}"] is (r % 2 == 0)
        assert got["Sheet", f"D{r}"] == [10, 20, 30][r % 3]
        assert got["Sheet", f"E{r}"] == ["x", "y", "z"][r % 3]
