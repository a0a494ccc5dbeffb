"""The one adapter to the ``formulas`` package: the installed version is in the tested range, the
conventions the adapter relies on are still there, and functions evaluated through it give the
answers of Microsoft's function reference. An upgrade of ``formulas`` that changes any of this
fails here, not silently in a workbook."""

from __future__ import annotations

from pathlib import Path

import formulas
import openpyxl
import pytest
import schedula
from formulas.functions import COMPILING, get_functions, wrap_ranges_func
from formulas.ranges import Ranges
from formulas.tokens.operand import Error, XlError
from mlsysim.workbooks.recalc import formulas_adapter, library, recalc
from recalc_support import cached_values


def test_installed_version_is_the_tested_one():
    version = tuple(int(p) for p in formulas.__version__.split(".")[:3])
    low, high = formulas_adapter.TESTED
    assert low <= version < high, f"formulas {formulas.__version__}: re-test the adapter, then widen TESTED"


def test_the_conventions_the_adapter_relies_on():
    table = get_functions()
    median = table["MEDIAN"]
    assert getattr(median, "__code__", None) is wrap_ranges_func(lambda: None).__code__  # takes values
    assert isinstance(table["ROW"], dict) and "extra_inputs" in table["ROW"]  # gets the calling cell
    assert COMPILING is not None and schedula.EMPTY is not None
    assert isinstance(Error.errors["#N/A"], XlError) and str(Error.errors["#DIV/0!"]) == "#DIV/0!"
    assert hasattr(Ranges, "set_value") and hasattr(Ranges(), "ranges")


def test_native_functions_never_reach_the_adapter():
    assert library.lookup("SUM") is library.NATIVE["SUM"]
    assert library.lookup("MEDIAN") is not None and library.lookup("MEDIAN").name == "MEDIAN"
    assert library.lookup("NOSUCHFUNCTION") is None


@pytest.mark.parametrize(
    ("formula", "expected"),
    [
        # Microsoft, "MEDIAN function", examples
        ("=MEDIAN(A1:A5)", 3),
        ("=MEDIAN(A1:A6)", 3.5),
        # Microsoft, "STDEV function", example: breaking strength of 10 tools
        ("=STDEV(B1:B10)", 27.46391572),
        # Microsoft, "FACT function": 5! = 120
        ("=FACT(5)", 120),
    ],
)
def test_functions_through_the_adapter(tmp_path: Path, formula: str, expected: float) -> None:
    book = openpyxl.Workbook()
    ws = book.active
    for r, v in enumerate([1, 2, 3, 4, 5, 6], start=1):
        ws.cell(r, 1, v)
    strengths = [1345, 1301, 1368, 1322, 1310, 1370, 1318, 1350, 1303, 1299]
    for r, v in enumerate(strengths, start=1):
        ws.cell(r, 2, v)
    ws["D1"] = formula
    book.save(tmp_path / "in.xlsx")
    recalc(tmp_path / "in.xlsx", tmp_path / "out.xlsx")
    assert cached_values(tmp_path / "out.xlsx")["Sheet", "D1"] == pytest.approx(expected, rel=1e-9)
