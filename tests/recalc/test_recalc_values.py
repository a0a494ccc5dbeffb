"""Known answers worked out by hand for the native test workbook, Excel's INDEX, and the public
surface of ``mlsysim.workbooks.recalc``."""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path

import openpyxl
import pytest
from mlsysim.workbooks.recalc import recalc
from mlsysim.workbooks.recalc.arrays import Area, Arr
from mlsysim.workbooks.recalc.evaluator import Book
from mlsysim.workbooks.recalc.fn_ranges import index
from mlsysim.workbooks.recalc.values import REF, VALUE
from recalc_support import cached_values, native_book

EXACT = 1e-15


@pytest.fixture(scope="module")
def values(tmp_path_factory: pytest.TempPathFactory) -> dict:
    folder = tmp_path_factory.mktemp("known")
    out = folder / "out.xlsx"
    report = recalc(native_book(folder / "in.xlsx"), out)
    assert report.exit_code == 0
    return {cell: v for (sheet, cell), v in cached_values(out).items() if sheet == "Calc"}


def test_lookups_and_arithmetic(values: dict) -> None:
    assert values["E2"] == 1000  # price of h1 by INDEX/MATCH
    assert values["F2"] == 3000  # 3 units x 1000 USD
    assert values["H2"] == -1  # 3000 / (3 - 3) is #DIV/0!, IFERROR gives -1
    assert values["H3"] == 10000  # s2: 4 x 2500 / (4 - 3)
    assert values["E7"] == 0 and values["F7"] == 0  # h5 has no price: an empty cell reads as 0
    assert abs(values["Q2"] - 100.5) < EXACT * 100.5  # Rate = bandwidth of h2 (3.35) x 10; x 3 units
    assert abs(values["S2"] - 9.03) < EXACT * 9.03  # -3^2 is (-3)^2 in Excel, plus 3% = 0.03


def test_aggregates(values: dict) -> None:
    # capex F: 3000 + 10000 + 60000 + 6400 + 5000 + 0 (s3: 2 x 30000, s4: 16 x 400, s5: 5 x 1000)
    assert values["W1"] == values["U7"] == 84400  # SUM and the running total agree
    assert values["Y1"] == 1  # capex > 10000: only s3 (s2 is exactly 10000)
    assert values["L2"] == 33900  # bandwidth > 2/4 = 0.5: every row; prices 1000+2500+400+30000
    assert values["P2"] == 1002  # SUM(INDEX(B:C row of h1, 0)): price 1000 + bandwidth 2


def test_index_follows_excel() -> None:
    table = Arr([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    assert index(table, 2.0, 0.0).rows == [[4.0, 5.0, 6.0]]  # column 0: the whole row
    assert index(table, 0.0, 2.0).rows == [[2.0], [5.0]]  # row 0: the whole column
    assert index(table, 2.0).rows == [[4.0, 5.0, 6.0]]  # one number on a 2-D array: the row
    assert index(Arr([[1.0], [4.0]]), 2.0) == 4.0  # one number on a column: its cell
    assert index(Arr([[1.0, 2.0, 3.0]]), 3.0) == 3.0  # one number on a row: its cell
    assert index(table, 3.0, 1.0) is REF
    assert index(table, -1.0, 1.0) is VALUE
    book = Book(["S"], [{(r, c): float(10 * r + c) for r in (4, 5) for c in (2, 3, 4)}], [(5, 4)])
    ref = index(Area(book, 0, 4, 2, 5, 4), 2.0, 0.0)  # S!B4:D5, row 2 -> S!B5:D5
    assert isinstance(ref, Area) and (ref.r1, ref.c1, ref.r2, ref.c2) == (5, 2, 5, 4)
    assert ref.array().rows == [[52.0, 53.0, 54.0]]


def test_index_results_are_references(tmp_path: Path) -> None:
    """``INDEX(..):INDEX(..)`` spans every cell between, including formulas it does not name
    (Data!B1:B3), which must be computed first although Front comes first in the workbook."""
    book = openpyxl.Workbook()
    front = book.active
    front.title = "Front"
    data = book.create_sheet("Data")
    for r, row in enumerate([[1, 2, 3], [4, 5, 6], [7, 8, 9]], start=1):
        for c, v in enumerate(row, start=1):
            data.cell(r, c, v)
        data.cell(r, 2, f"=A{r}*10")  # column B: 10, 40, 70
    front["A1"] = "=SUM(INDEX(Data!A1:C3,1,1):INDEX(Data!A1:C3,2,2))"  # A1:B2 = 1 + 10 + 4 + 40
    front["A2"] = "=SUM(INDEX(Data!A1:A3,1):INDEX(Data!C1:C3,2))"  # A1:C2 = 1+10+3 + 4+40+6
    front["A3"] = "=SUM(INDEX(Data!A1:C3,0,3))"  # column C = 3 + 6 + 9
    book.save(tmp_path / "in.xlsx")
    recalc(tmp_path / "in.xlsx", tmp_path / "out.xlsx")
    values = cached_values(tmp_path / "out.xlsx")
    assert [values["Front", f"A{r}"] for r in (1, 2, 3)] == [55, 64, 18]


def test_public_surface() -> None:
    package = importlib.import_module("mlsysim.workbooks.recalc")  # the attribute is the function
    assert sorted(package.__all__) == [
        "CellError",
        "MASTER_CHECK",
        "RecalcReport",
        "UnusableWorkbookError",
        "recalc",
    ]
    assert all(hasattr(package, name) for name in package.__all__)
    params = inspect.signature(recalc).parameters
    assert list(params) == ["path", "out", "in_place", "summary", "check", "progress"]
    assert all(
        params[p].kind is inspect.Parameter.KEYWORD_ONLY for p in ("in_place", "summary", "check", "progress")
    )
    assert issubclass(package.UnusableWorkbookError, ValueError)


def test_areas_keep_their_shape_beyond_the_used_cells(tmp_path: Path) -> None:
    """A1:A6 against B1:B6 where only three rows hold values: SUMPRODUCT needs equal shapes; a
    whole column sums what is there."""
    book = openpyxl.Workbook()
    ws = book.active
    for r in (1, 2, 3):
        ws.cell(r, 1, r)
        ws.cell(r, 2, 10 * r)
    ws["D1"] = "=SUMPRODUCT(A1:A6,B1:B6)"  # 1*10 + 2*20 + 3*30
    ws["D2"] = "=SUM(B:B)"  # 10 + 20 + 30
    ws["D3"] = "=ROWS(A1:A6)"
    book.save(tmp_path / "in.xlsx")
    recalc(tmp_path / "in.xlsx", tmp_path / "out.xlsx")
    values = cached_values(tmp_path / "out.xlsx")
    assert [values["Sheet", f"D{r}"] for r in (1, 2, 3)] == [140, 60, 6]
