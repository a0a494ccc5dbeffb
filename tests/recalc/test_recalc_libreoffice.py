"""Native formulas: our values equal LibreOffice's recalculation of the same file to 1e-9 relative.

LibreOffice runs with "always recalculate on load"; to prove it did recalculate, it is given our
output with one input changed behind the cached values' back (a stale file): had it kept the
cached values, its numbers would differ from ours for every cell that depends on that input.
"""

from __future__ import annotations

from pathlib import Path

from mlsysim.workbooks.recalc import recalc
from recalc_support import (
    cached_values,
    close,
    formula_cells,
    libreoffice_recalc,
    native_book,
    parts,
    set_cached,
    sheet_part,
    write_parts,
)

REL = 1e-9  # LibreOffice saves 15 significant digits


def test_native_cells_equal_libreoffice(tmp_path: Path) -> None:
    source = native_book(tmp_path / "native.xlsx")
    computed = tmp_path / "computed.xlsx"
    report = recalc(source, computed)
    assert report.exit_code == 0, report.errors
    # Stale copy: units of scenario s1 (Calc!C2) 3 -> 6, cached formula values left as they were.
    contents = parts(computed)
    calc = sheet_part(computed, "Calc")
    contents[calc] = set_cached(contents[calc], "C2", "6")
    stale = tmp_path / "stale.xlsx"
    write_parts(stale, contents)
    ours = tmp_path / "ours.xlsx"
    recalc(stale, ours)
    (theirs,) = libreoffice_recalc([stale], tmp_path)

    mine, lo = cached_values(ours), cached_values(theirs)
    cells = formula_cells(ours)
    assert len(cells) == 6 * 17 + 3
    differ = {k: (mine.get(k), lo.get(k)) for k in cells if not close(mine.get(k), lo.get(k), REL)}
    assert not differ
    # LibreOffice recalculated: F2 = units * price = 6 * 1000 (the stale cache says 3000).
    assert lo["Calc", "F2"] == 6000
    assert cached_values(computed)["Calc", "F2"] == 3000
