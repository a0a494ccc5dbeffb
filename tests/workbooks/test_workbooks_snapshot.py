"""Opened without Python: LibreOffice with its default settings (no recalculation on load, as a
user opens the file) shows, in every formula cell of the computed plan, the value our headless
recompute stored; no #NAME?, no empty cell where a number belongs."""

from __future__ import annotations

import openpyxl
import pytest
from wbtest_support import close, computed_plan, formula_cells, is_error_value, libreoffice


@pytest.fixture(scope="module")
def opened(tmp_path_factory):
    plan = computed_plan(tmp_path_factory)
    (converted,) = libreoffice([plan], "xlsx", tmp_path_factory.mktemp("snapshot"), recalculate=False)
    return (
        openpyxl.load_workbook(plan),
        openpyxl.load_workbook(plan, data_only=True),
        openpyxl.load_workbook(converted, data_only=True),
    )


def test_every_formula_cell_shows_the_snapshot(opened):
    formulas, ours, shown = opened
    cells = formula_cells(formulas)
    engine = [key for key, f in cells.items() if "MLSYS_" in f]
    assert len(engine) > 50  # the cells that would read #NAME? if LibreOffice recomputed them
    for sheet, coordinate in cells:
        value = shown[sheet][coordinate].value
        assert not is_error_value(value), (sheet, coordinate, value)
        assert close(value, ours[sheet][coordinate].value), (sheet, coordinate, value)


def test_the_about_sheet_says_it_is_a_snapshot(opened):
    _, _, shown = opened
    texts = {c.value for row in shown["About"].iter_rows() for c in row if isinstance(c.value, str)}
    assert "SNAPSHOT" in texts
    assert any(t.endswith(" UTC") and t[:4].isdigit() for t in texts)
