"""The output keeps everything the input had; only formula cells' cached values change.

Checked at the package level (every part but the worksheets and the workbook part is byte for
byte the same; in those, removing each formula cell's ``t`` attribute and ``<v>`` and the
``fullCalcOnLoad`` flag leaves identical bytes), and read back with openpyxl (formulas, styles,
validations, conditional formats, names, charts, the extra sheet). The input is never modified;
recomputing the output changes nothing (idempotent).
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import openpyxl
from mlsysim.workbooks.recalc import recalc
from openpyxl.chart import BarChart, Reference
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation
from recalc_support import cached_values, formula_cells, native_book, parts

_CELL_WITH_FORMULA = re.compile(rb"<c [^>]*>(?:(?!</c>).)*<f[ >/](?:(?!</c>).)*</c>", re.S)


def _without_cached(xml: bytes) -> bytes:
    """Worksheet XML with each formula cell's type and cached value removed."""

    def strip(m: re.Match[bytes]) -> bytes:
        cell = re.sub(rb"<v>[^<]*</v>|<v\s*/>", b"", m.group(0))
        return re.sub(rb' t="[^"]*"', b"", cell, count=1)

    return _CELL_WITH_FORMULA.sub(strip, xml)


def _decorated(path: Path) -> Path:
    native_book(path)
    book = openpyxl.load_workbook(path)
    calc = book["Calc"]
    calc["F2"].font = Font(bold=True, color="FF0000")
    calc["E2"].fill = PatternFill("solid", fgColor="FFFF00")
    calc["F2"].number_format = '#,##0.00" USD"'
    dv = DataValidation(type="list", formula1="=Hardware!$A$2:$A$6", allow_blank=False)
    calc.add_data_validation(dv)
    dv.add("B2:B7")
    calc.conditional_formatting.add(
        "F2:F7",
        CellIsRule(operator="greaterThan", formula=["10000"], fill=PatternFill("solid", fgColor="F8CBAD")),
    )
    calc.freeze_panes = "A2"
    calc.column_dimensions["A"].width = 22
    chart = BarChart()
    chart.add_data(Reference(calc, min_col=6, min_row=1, max_row=7), titles_from_data=True)
    chart.set_categories(Reference(calc, min_col=1, min_row=2, max_row=7))
    calc.add_chart(chart, "A12")
    calc.protection.sheet = True
    book.save(path)
    return path


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_output_keeps_everything(tmp_path: Path) -> None:
    source = _decorated(tmp_path / "in.xlsx")
    before = _digest(source)
    out = tmp_path / "out.xlsx"
    report = recalc(source, out)
    assert report.exit_code == 0
    assert _digest(source) == before  # the input is untouched

    old, new = parts(source), parts(out)
    assert list(old) == list(new)  # same parts, same order
    changed = {name for name in old if old[name] != new[name]}
    assert changed == {"xl/workbook.xml", "xl/worksheets/sheet1.xml"}
    assert old["xl/workbook.xml"].replace(b' fullCalcOnLoad="1"', b"") == new["xl/workbook.xml"]
    assert _without_cached(old["xl/worksheets/sheet1.xml"]) == _without_cached(
        new["xl/worksheets/sheet1.xml"]
    )
    assert any(name.startswith("xl/charts/") for name in new)

    a, b = openpyxl.load_workbook(source), openpyxl.load_workbook(out)
    assert a.sheetnames == b.sheetnames == ["Calc", "Hardware", "Notes"]
    assert formula_cells(source) == formula_cells(out)
    assert b["Calc"]["F2"].font.b and b["Calc"]["F2"].number_format == '#,##0.00" USD"'
    assert len(b["Calc"].data_validations.dataValidation) == 1
    assert len(b["Calc"].conditional_formatting) == 1
    assert len(b["Calc"]._charts) == 1
    assert b["Calc"].freeze_panes == "A2" and b["Calc"].protection.sheet
    assert set(b.defined_names) == {"Rate"}
    assert b["Notes"]["A1"].value == "added by a user"


def test_every_formula_cell_gets_a_value(tmp_path: Path) -> None:
    out = tmp_path / "out.xlsx"
    recalc(native_book(tmp_path / "in.xlsx"), out)
    values = cached_values(out)
    missing = [k for k in formula_cells(out) if k not in values]
    assert not missing


def test_recompute_is_idempotent(tmp_path: Path) -> None:
    first, second = tmp_path / "first.xlsx", tmp_path / "second.xlsx"
    recalc(_decorated(tmp_path / "in.xlsx"), first)
    recalc(first, second)
    assert parts(first) == parts(second)
    assert cached_values(first) == cached_values(second)
