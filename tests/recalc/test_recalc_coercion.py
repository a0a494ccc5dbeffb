"""The coercion corpus (``coercion_corpus.py``): every case evaluates to Excel's documented answer,
in memory and through a real workbook file; LibreOffice's answers are what the corpus records."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from coercion_corpus import CASES, SAME, Case, E
from mlsysim.workbooks.recalc import recalc
from mlsysim.workbooks.recalc.cellref import parse_address
from mlsysim.workbooks.recalc.compiler import Compiler, Names
from mlsysim.workbooks.recalc.evaluator import Book, Group
from mlsysim.workbooks.recalc.values import XlError, error
from recalc_support import cached_values, libreoffice_recalc

REL = 1e-12  # the answers are exact decimals; LibreOffice and Excel save 15-17 digits


def _plain(value: Any) -> Any:
    if isinstance(value, XlError):
        return E(str(value))
    return value


def _same(got: Any, want: Any) -> bool:
    if isinstance(want, E) or isinstance(got, E):
        return got == want
    if isinstance(want, bool) or isinstance(got, bool):
        return got is want
    if isinstance(want, float) and isinstance(got, int | float):
        return math.isclose(got, want, rel_tol=REL, abs_tol=1e-300)
    return got == want


def evaluate(case: Case) -> Any:
    cells = {}
    for ref, value in case.cells.items():
        row, col = parse_address(ref)  # type: ignore[misc]
        cells[row, col] = error(value.code) if isinstance(value, E) else value
    book = Book(
        ["S"], [cells], [(max((r for r, _ in cells), default=1), max((c for _, c in cells), default=1))]
    )
    template = Compiler(["S"], Names([])).template(case.formula, 0, 1, 26)[0]
    return _plain(Group(book, template, [(1, 26)]).run()[0])


@pytest.mark.parametrize("case", CASES, ids=[c.formula for c in CASES])
def test_case_gives_excels_answer(case: Case) -> None:
    assert _same(evaluate(case), case.excel), case.source


def _workbook(path: Path) -> Path:
    """One sheet per case: its cells, and its formula in Z1."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for i, case in enumerate(CASES):
        ws = book.create_sheet(f"C{i}")
        for ref, value in case.cells.items():
            ws[ref] = f"={value.code}" if isinstance(value, E) else value
        ws["Z1"] = "=" + case.formula
    book.save(path)
    return path


def _file_answer(values: dict, i: int) -> Any:
    got = values.get((f"C{i}", "Z1"))
    if isinstance(got, str) and got.startswith("#"):
        return E(got)
    if isinstance(got, int) and not isinstance(got, bool):
        return float(got)
    if isinstance(got, dt.datetime):  # a cell LibreOffice formats as a date holds its serial number
        return (got - dt.datetime(1899, 12, 30)) / dt.timedelta(days=1)
    return "" if got is None else got


def test_cases_through_a_workbook_file(tmp_path: Path) -> None:
    source = _workbook(tmp_path / "corpus.xlsx")
    recalc(source, tmp_path / "out.xlsx")
    values = cached_values(tmp_path / "out.xlsx")
    wrong = {
        c.formula: (_file_answer(values, i), c.excel)
        for i, c in enumerate(CASES)
        if not _same(_file_answer(values, i), c.excel)
    }
    assert not wrong


def test_libreoffice_answers_are_as_recorded(tmp_path: Path) -> None:
    source = _workbook(tmp_path / "corpus.xlsx")
    (saved,) = libreoffice_recalc([source], tmp_path)
    values = cached_values(saved)
    wrong = {}
    for i, case in enumerate(CASES):
        want = case.excel if case.libreoffice is SAME else case.libreoffice
        got = _file_answer(values, i)
        if not _same(got, want):
            wrong[case.formula] = (got, want)
    assert not wrong


def test_corpus_is_sourced_and_large_enough() -> None:
    assert len(CASES) >= 90
    assert all(c.source.startswith("Microsoft, ") for c in CASES)
    assert len({c.formula + repr(sorted(c.cells.items())) for c in CASES}) == len(CASES)
