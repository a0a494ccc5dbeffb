"""The planning workbook (``mlsysim.workbooks.build``, default scenarios) recomputed headless:
every formula evaluates, the master check holds, MLSYS_* cells carry numbers, and every native
cell that does not depend on an MLSYS_* cell (LibreOffice has no MLSYS_* functions) equals
LibreOffice's recalculation to 1e-9 relative."""

from __future__ import annotations

from pathlib import Path

from mlsysim.workbooks import build
from mlsysim.workbooks.recalc import recalc
from mlsysim.workbooks.recalc.cellref import address
from mlsysim.workbooks.recalc.graph import reads
from mlsysim.workbooks.recalc.model import Model
from mlsysim.workbooks.recalc.package import Package
from mlsysim.workbooks.recalc.sheet_reader import read_sheets
from mlsysim.workbooks.recalc.workbook_xml import read_map
from recalc_support import cached_values, close, formula_cells, libreoffice_recalc


def _engine_dependent(path: Path) -> set[tuple[str, str]]:
    """Formula cells that read an MLSYS_* result, directly or through other cells."""
    pkg = Package(path)
    try:
        book = read_map(pkg)
        model = Model(book, read_sheets(pkg, book.sheets, book.shared_strings))
    finally:
        pkg.close()
    # Groups (a formula copied down a column) read groups; a column that reads an MLSYS_* column
    # row by row depends on it in every row, so tainting whole groups loses nothing here.
    groups, members = model.groups()
    read = reads(groups)
    tainted = {g for g, ids in enumerate(members) if "MLSYS_" in model.formula_text(ids[0]).upper()}
    grew = True
    while grew:
        more = {g for g, deps in enumerate(read) if g not in tainted and tainted.intersection(deps)}
        tainted |= more
        grew = bool(more)
    return {(model.sheet_names[groups[g][0].sheet], address(r, c)) for g in tainted for r, c in groups[g][1]}


def test_planning_workbook(tmp_path: Path) -> None:
    source = build(tmp_path / "plan.xlsx")
    ours = tmp_path / "ours.xlsx"
    report = recalc(source, ours, check=True)
    assert report.exit_code == 0, report.errors[:5]
    assert report.master_check is True
    formulas = formula_cells(ours)
    mine = cached_values(ours)
    engine = [k for k, f in formulas.items() if "MLSYS_" in f]
    assert engine and all(k in mine for k in engine)

    (theirs,) = libreoffice_recalc([ours], tmp_path)
    lo = cached_values(theirs)
    engine_dependent = _engine_dependent(ours)
    comparable = [k for k in formulas if k not in engine_dependent]
    assert len(comparable) > 200 and len(engine_dependent) > 50
    differ = {k: (mine.get(k), lo.get(k)) for k in comparable if not close(mine.get(k), lo.get(k), 1e-9)}
    assert not differ
