"""Shared formulas, as Excel saves a formula filled down a column (one master ``<f t="shared"
ref si>`` with the text, dependents with only ``si``): evaluated at each dependent's cell, equal to
LibreOffice's reading of the same file and to the same workbook written without sharing."""

from __future__ import annotations

import re
from pathlib import Path

from mlsysim.workbooks.recalc import recalc
from recalc_support import cached_values, close, libreoffice_recalc, native_book, parts, write_parts


def _share(xml: bytes, column: str, rows: range, si: int) -> bytes:
    """Turn the formulas of ``column`` on ``rows`` into one shared formula (Excel's layout)."""
    first, last = rows[0], rows[-1]

    def master(m: re.Match[bytes]) -> bytes:
        ref = f'<f t="shared" ref="{column}{first}:{column}{last}" si="{si}">'.encode()
        return m.group(1) + ref + m.group(2) + b"</f>"

    xml, n = re.subn(rb'(<c r="' + f"{column}{first}".encode() + rb'"[^>]*>)<f>([^<]*)</f>', master, xml)
    assert n == 1
    for r in rows[1:]:
        xml, n = re.subn(
            rb'(<c r="' + f"{column}{r}".encode() + rb'"[^>]*>)<f>[^<]*</f>',
            lambda m: m.group(1) + f'<f t="shared" si="{si}"/>'.encode(),
            xml,
        )
        assert n == 1
    return xml


def test_shared_formulas(tmp_path: Path) -> None:
    plain = native_book(tmp_path / "plain.xlsx")
    contents = parts(plain)
    sheet = "xl/worksheets/sheet1.xml"
    xml = contents[sheet]
    xml = _share(xml, "F", range(2, 8), 0)  # =C2*E2 down the column: one compiled formula
    xml = _share(xml, "I", range(2, 8), 1)  # ROUND(SQRT(F2+1)+EXP(1)-LN(D2),4)
    xml = _share(xml, "U", range(3, 8), 2)  # running total U3 = IF(ROW()=2,F3,U2+F3): per cell
    contents[sheet] = xml
    shared = tmp_path / "shared.xlsx"
    write_parts(shared, contents)

    ours_plain, ours_shared = tmp_path / "ours_plain.xlsx", tmp_path / "ours_shared.xlsx"
    assert recalc(plain, ours_plain).exit_code == 0
    report = recalc(shared, ours_shared)
    assert report.exit_code == 0
    assert cached_values(ours_shared) == cached_values(ours_plain)
    assert b'<c r="F5"><f t="shared" si="0"/><v>6400</v></c>' in parts(ours_shared)[sheet]  # s4: 16 x 400
    (theirs,) = libreoffice_recalc([shared], tmp_path)
    mine, lo = cached_values(ours_shared), cached_values(theirs)
    assert all(close(mine[k], lo.get(k), 1e-9) for k in mine if k[1][0] in "FIU")
