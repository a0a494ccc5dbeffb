"""Multi-cell array formulas: evaluated once, the result spread over the range as Excel fills an
array range (repeated along a dimension of size 1, #N/A beyond the result), every cell's cached
value written, readers of the range ordered after it, errors in the range reported."""

from __future__ import annotations

import zipfile

import openpyxl
import pytest
from mlsysim.macros import CALLABLES
from mlsysim.workbooks.recalc import UnusableWorkbookError, recalc
from openpyxl.worksheet.formula import ArrayFormula


def _book(tmp_path, fill):
    """B1:B3 = 1, 2, 3 and what ``fill`` writes; every cell of an array range is written (styled),
    as Excel writes it."""
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "S"
    for row, value in enumerate((1.0, 2.0, 3.0), start=1):
        ws.cell(row, 2, value)
    fill(ws)
    for formula in [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, ArrayFormula)]:
        for line in ws[formula.ref]:
            for c in line:
                c.number_format = "0.000"  # a styled cell: written to the file
    path = tmp_path / "in.xlsx"
    book.save(path)
    return path


def _values(path, sheet="S"):
    return openpyxl.load_workbook(path, data_only=True)[sheet]


def test_an_array_formula_fills_its_range_and_its_readers_follow(tmp_path):
    def fill(ws):
        ws["C1"] = ArrayFormula("C1:C3", "=B1:B3*2")  # 2, 4, 6 (B = 1, 2, 3)
        ws["E1"] = ArrayFormula("E1:F2", "=10")  # one value: every cell
        ws["G1"] = ArrayFormula("G1:H3", "=B1:B2+0.5")  # 2×1 into 3×2: columns repeat, row 3 is #N/A
        ws["D2"] = "=C2+1"  # reads a cell of the first range: 5
        ws["D3"] = "=SUM(C1:C3)"  # 12

    out = tmp_path / "out.xlsx"
    report = recalc(_book(tmp_path, fill), out)
    ws = _values(out)
    assert [ws[f"C{r}"].value for r in (1, 2, 3)] == [2, 4, 6]
    assert [ws[c].value for c in ("E1", "F1", "E2", "F2")] == [10, 10, 10, 10]
    assert [[ws[f"{c}{r}"].value for c in "GH"] for r in (1, 2, 3)] == [[1.5, 1.5], [2.5, 2.5], ["#N/A"] * 2]
    assert (ws["D2"].value, ws["D3"].value) == (5, 12)
    assert [e.label for e in report.errors] == ["S!G3", "S!H3"]  # the #N/A padding, cells of G1's range
    assert report.errors[0].formula == "B1:B2+0.5"
    # the formula stays where it was, an array formula over the same range
    assert openpyxl.load_workbook(out)["S"]["C1"].value.ref == "C1:C3"


def test_a_range_whose_cells_are_missing_from_the_file_is_refused(tmp_path):
    book = openpyxl.Workbook()
    book.active["A1"] = ArrayFormula("A1:B2", "=1")  # openpyxl writes only A1
    path = tmp_path / "in.xlsx"
    book.save(path)
    with pytest.raises(UnusableWorkbookError, match=r"cells B1, A2, B2 of the array formula's range A1:B2"):
        recalc(path)


def test_cells_of_the_range_are_patched_whatever_xml_they_had(tmp_path):
    def fill(ws):
        ws["C1"] = ArrayFormula("C1:C3", "=B1:B3*3")
        ws["C2"].style = "Good"  # an empty styled cell: <c r="C2" s="..."/>
        ws["C3"] = 99.0  # a stale value

    out = tmp_path / "out.xlsx"
    recalc(_book(tmp_path, fill), out)
    assert [_values(out)[f"C{r}"].value for r in (1, 2, 3)] == [3, 6, 9]
    with zipfile.ZipFile(out) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    assert sheet.count("<v>") == sheet.count("</v>") and "99" not in sheet


def test_a_block_function_as_an_array_formula_equals_the_per_cell_functions(tmp_path):
    def fill(ws):
        ws["A1"], ws["A2"], ws["A3"] = "Llama3_8B", "Llama3_70B", "Llama3_70B"
        ws["D1"], ws["D2"], ws["D3"] = 1.0, 1.0, 2.0
        ws["E1"] = ArrayFormula(
            "E1:F3", '=MLSYS_SERVING_BLOCK(A1:A3,"H100",B1:B3*1024,1,,D1:D3,,,"TTFT,ITL")'
        )

    out = tmp_path / "out.xlsx"
    report = recalc(_book(tmp_path, fill), out)
    ws = _values(out)
    for row, (model, seq, tp) in enumerate(
        (("Llama3_8B", 1024, 1), ("Llama3_70B", 2048, 1), ("Llama3_70B", 3072, 2)), 1
    ):
        want = [CALLABLES[f](model, "H100", seq, 1, None, tp) for f in ("MLSYS_TTFT", "MLSYS_ITL")]
        assert [ws[f"E{row}"].value, ws[f"F{row}"].value] == want
    assert ws["E2"].value.startswith("#MLSYS! does not fit")  # 70B on one H100: a value, not an error
    assert report.errors == ()
