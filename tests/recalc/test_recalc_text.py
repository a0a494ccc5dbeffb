"""Catalog text that starts with = + - @ stays text: in the workbook (never turned into a formula,
its cell untouched), through formulas that read it, and in the CSV summary."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
from mlsysim.workbooks.recalc import recalc
from recalc_support import formula_cells, parts

TEXTS = ['=HYPERLINK("http://x","click")', "+44 20 7946 0000", "-5 units", "@home", "=1+1"]


def _book(path: Path) -> Path:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "Catalog"
    ws.append(["id", "note", "copy"])
    for i, text in enumerate(TEXTS, start=2):
        ws.cell(i, 1, f"row{i}")
        cell = ws.cell(i, 2, text)
        cell.data_type = "s"  # text, as the workbook generator writes catalog data
        ws.cell(i, 3, f"=B{i}")
    book.save(path)
    return path


def test_text_stays_text(tmp_path: Path) -> None:
    src = _book(tmp_path / "in.xlsx")
    out = tmp_path / "out.xlsx"
    summary = tmp_path / "s.csv"
    report = recalc(src, out, summary=summary)
    assert report.exit_code == 0
    assert set(formula_cells(out)) == {("Catalog", f"C{i}") for i in range(2, 2 + len(TEXTS))}
    book = openpyxl.load_workbook(out)
    values = openpyxl.load_workbook(out, data_only=True)["Catalog"]
    for i, text in enumerate(TEXTS, start=2):
        assert book["Catalog"].cell(i, 2).data_type == "s" and book["Catalog"].cell(i, 2).value == text
        assert values.cell(i, 3).value == text  # the formula =B{i} shows the text, not its evaluation
    sheet = parts(out)["xl/worksheets/sheet1.xml"]
    assert b'<c r="C6" t="str"><f>B6</f><v>=1+1</v></c>' in sheet
    with summary.open(newline="") as f:
        shown = {row[1]: row[4] for row in csv.reader(f) if row[3] == "copy"}
    assert shown == {str(i): "'" + text for i, text in enumerate(TEXTS, start=2)}
