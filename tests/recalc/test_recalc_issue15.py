"""Regressions from issue 15 (workbooks made by hand, by LibreOffice and by openpyxl, and hostile
files): each reproduction of the issue, with the answer Excel gives or the refusal it deserves."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import tracemalloc
from pathlib import Path

import openpyxl
import pytest
from mlsysim.workbooks.recalc import UnusableWorkbookError, recalc
from recalc_support import cached_values, parts, run_cli, sheet_part, write_parts

MB = 1 << 20


def _book(path: Path, cells: dict[str, object]) -> Path:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "Sheet"
    for ref, value in cells.items():
        ws[ref] = value
    book.save(path)
    return path


def _values(path: Path) -> dict[str, object]:
    return {cell: v for (sheet, cell), v in cached_values(path).items() if sheet == "Sheet"}


def test_the_issues_coercion_table(tmp_path: Path) -> None:
    # A1:A4 = 1, "5" typed as text, 3, TRUE (Excel's answers: Microsoft's function reference, see
    # coercion_corpus.py); B1:B3 = 10, 20, 30
    cells = {"A1": 1, "A2": "5", "A3": 3, "A4": True, "B1": 10, "B2": 20, "B3": 30}
    formulas = {
        "D1": ("=SUM(A1:A4)", 4),
        "D2": ("=ISNUMBER(A2)", False),
        "D3": ("=AVERAGE(A1:A4)", 2),
        "D4": ("=MAX(A1:A4)", 3),
        "D5": ('=SUMIFS(B1:B3,A1:A3,">1")', 30),
        "D6": ('=COUNTIF(A1:A4,">0")', 2),
        "D7": ("=0.1+0.2=0.3", True),
    }
    path = _book(tmp_path / "in.xlsx", cells | {k: f for k, (f, _) in formulas.items()})
    recalc(path, tmp_path / "out.xlsx")
    values = _values(tmp_path / "out.xlsx")
    assert {k: values[k] for k in formulas} == {k: want for k, (_, want) in formulas.items()}


def test_a_long_sum_of_cells_needs_no_recursion(tmp_path: Path) -> None:
    # =A1+A2+...+A333, about 1,550 characters (Excel allows 8,192): An = n, so 333*334/2 = 55611
    formula = "=" + "+".join(f"A{n}" for n in range(1, 334))
    terms = 1
    while len("=" + "+".join(f"A{n}" for n in range(1, terms + 2))) <= 8192:
        terms += 1
    longest = "=" + "+".join(f"A{n}" for n in range(1, terms + 1))  # 8,192 characters at most
    cells = {f"A{n}": n for n in range(1, 1600)}
    nested = "=" + "IF(TRUE," * 64 + "7" + ")" * 64  # Excel's 64 levels of nesting
    path = _book(tmp_path / "in.xlsx", cells | {"B1": formula, "B2": longest, "B3": nested})
    report = recalc(path, tmp_path / "out.xlsx")
    assert report.exit_code == 0
    values = _values(tmp_path / "out.xlsx")
    assert len(longest) > 8180
    assert values["B1"] == 55611 and values["B2"] == terms * (terms + 1) // 2 and values["B3"] == 7


@pytest.mark.parametrize(
    ("area", "at", "cells_in"),
    [
        ("A1:XFC1048575", "XFD1048574", 16383 * 1048575),  # formulas outside the area: not circular
        ("A1:ZZ1000000", "AAA1", 702 * 1_000_000),
        ("A:ZZ", "AAA1", 702 * 1_048_576),
        ("1:1000000", "A1000001", 16384 * 1_000_000),
    ],
)
def test_huge_references_cost_what_the_data_costs(tmp_path: Path, area: str, at: str, cells_in: int) -> None:
    # Five numbers (1..5 in A1:A5) and one text cell: the sums are 15, whatever the address.
    book = openpyxl.Workbook()
    ws = book.active
    for r in range(1, 6):
        ws.cell(r, 1, r)
    ws["C3"] = "x"
    column = "".join(ch for ch in at if ch.isalpha())
    row = int(at[len(column) :])
    ws[f"{column}{row}"] = f"=SUM({area})"
    ws[f"{column}{row + 1}"] = f"=COUNT({area})"
    ws[f"{column}{row + 2}"] = f'=SUMPRODUCT(({area}="")*1)'
    book.save(tmp_path / "in.xlsx")
    tracemalloc.start()
    try:
        recalc(tmp_path / "in.xlsx", tmp_path / "out.xlsx")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    ws = openpyxl.load_workbook(tmp_path / "out.xlsx", data_only=True).active  # by address: the
    values = {ref: ws[ref].value for ref in (f"{column}{row + k}" for k in range(3))}  # sheet is vast
    assert values[f"{column}{row}"] == 15 and values[f"{column}{row + 1}"] == 5
    # every other cell of the area is empty, so ="" is TRUE there: counted, not walked
    assert values[f"{column}{row + 2}"] == cells_in - 6
    assert peak < 64 * MB


def _patch(path: Path, part: str, old: bytes, new: bytes) -> None:
    contents = parts(path)
    assert old in contents[part], contents[part][:400]
    contents[part] = contents[part].replace(old, new)
    write_parts(path, contents)


def test_a_lone_surrogate_escape_is_read_as_a_replacement_character(tmp_path: Path) -> None:
    path = _book(tmp_path / "in.xlsx", {"A1": "a_xD800_b", "A2": "_xD83D__xDE00_", "B1": "=A1&A2"})
    summary = tmp_path / "s.json"
    report = recalc(path, tmp_path / "out.xlsx", summary=summary)
    assert report.exit_code == 0
    assert _values(tmp_path / "out.xlsx")["B1"] == "a\ufffdb\U0001f600"  # a pair is one character
    json.loads(summary.read_text("utf-8"))


def _reencode(path: Path, encoding: str, declaration: bytes) -> None:
    contents = parts(path)
    part = sheet_part(path, "Sheet")
    text = contents[part].decode("utf-8")
    body = text[text.index("?>") + 2 :] if text.startswith("<?xml") else text
    contents[part] = declaration + body.encode(encoding, "xmlcharrefreplace")
    write_parts(path, contents)


def test_a_utf16_worksheet_is_read_and_written_in_utf16(tmp_path: Path) -> None:
    path = _book(tmp_path / "in.xlsx", {"A1": "Zoë", "A2": 2, "B1": '=A1&"-"&A2*3'})
    _reencode(path, "utf-16-le", b"\xff\xfe" + '<?xml version="1.0" encoding="UTF-16"?>'.encode("utf-16-le"))
    recalc(path, tmp_path / "out.xlsx")
    assert parts(tmp_path / "out.xlsx")[sheet_part(path, "Sheet")].startswith(b"\xff\xfe")
    assert _values(tmp_path / "out.xlsx")["B1"] == "Zoë-6"


def test_a_latin1_worksheet_keeps_its_encoding(tmp_path: Path) -> None:
    path = _book(tmp_path / "in.xlsx", {"A1": "café", "B1": '=A1&" €"'})
    _reencode(path, "latin-1", b'<?xml version="1.0" encoding="ISO-8859-1"?>')
    recalc(path, tmp_path / "out.xlsx")
    data = parts(tmp_path / "out.xlsx")[sheet_part(path, "Sheet")]
    assert data.startswith(b'<?xml version="1.0" encoding="ISO-8859-1"?>')
    assert "café".encode("latin-1") in data and "café".encode() not in data
    assert b"&#8364;" in data  # the euro sign, which Latin-1 cannot hold, as a character reference
    assert _values(tmp_path / "out.xlsx")["B1"] == "café €"


def test_an_unknown_encoding_is_refused(tmp_path: Path) -> None:
    path = _book(tmp_path / "in.xlsx", {"A1": 1, "B1": "=A1"})
    _reencode(path, "utf-8", b'<?xml version="1.0" encoding="x-no-such"?>')
    with pytest.raises(UnusableWorkbookError, match="x-no-such"):
        recalc(path, tmp_path / "out.xlsx")


def test_text_local_sheet_id_is_refused_in_one_line(tmp_path: Path) -> None:
    path = _book(tmp_path / "in.xlsx", {"A1": 1, "B1": "=A1"})
    _patch(
        path,
        "xl/workbook.xml",
        b"</sheets>",
        b'</sheets><definedNames><definedName name="X" localSheetId="one">Sheet!$A$1</definedName>'
        b"</definedNames>",
    )
    done = run_cli("recalc", str(path), "-o", str(tmp_path / "out.xlsx"))
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "localSheetId='one'" in done.stderr
    assert not (tmp_path / "out.xlsx").exists()


def test_two_sheets_sharing_one_part_are_refused(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.active["A1"] = "=1+1"
    book.create_sheet("Two")["A1"] = "=2+2"
    book.save(tmp_path / "in.xlsx")
    path = tmp_path / "in.xlsx"
    _patch(path, "xl/_rels/workbook.xml.rels", b"worksheets/sheet2.xml", b"worksheets/sheet1.xml")
    done = run_cli("recalc", str(path), "-o", str(tmp_path / "out.xlsx"))
    assert done.returncode == 2 and "share the worksheet part" in done.stderr
    assert not (tmp_path / "out.xlsx").exists()


def test_a_greater_than_sign_inside_an_attribute_is_not_a_tag_end(tmp_path: Path) -> None:
    path = _book(tmp_path / "in.xlsx", {"A1": 2, "B1": "=A1*21"})
    part = sheet_part(path, "Sheet")
    _patch(path, part, b'<c r="B1">', b'<c r="B1" x:note="a>b" xmlns:x="urn:x">')
    recalc(path, tmp_path / "out.xlsx")
    assert _values(tmp_path / "out.xlsx")["B1"] == 42
    assert b'x:note="a>b"' in parts(tmp_path / "out.xlsx")[part]


def test_in_place_through_a_symlink_updates_the_real_file(tmp_path: Path) -> None:
    real = _book(tmp_path / "real.xlsx", {"A1": 2, "B1": "=A1*21"})
    link = tmp_path / "link.xlsx"
    link.symlink_to(real)
    recalc(link, in_place=True)
    assert link.is_symlink() and link.resolve() == real
    assert _values(real)["B1"] == 42


def test_outputs_never_overwrite_an_input(tmp_path: Path) -> None:
    path = _book(tmp_path / "in.xlsx", {"A1": 2, "B1": "=A1*21"})
    before = path.read_bytes()
    for args in (
        ("--summary", str(path)),
        ("-o", str(path)),
        ("-o", str(tmp_path / "out.xlsx"), "--summary", str(tmp_path / "out.xlsx")),
    ):
        done = run_cli("recalc", str(path), *args)
        assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
    assert path.read_bytes() == before and not (tmp_path / "out.xlsx").exists()


def test_sigterm_while_writing_leaves_no_temporary_file(tmp_path: Path) -> None:
    """A real SIGTERM arrives while the output is being written (the write sends it to its own
    process): the process exits, no output and no hidden .tmp file remain."""
    code = (
        "import os, signal, sys\n"
        "from pathlib import Path\n"
        "from mlsysim.workbooks.recalc import atomic\n"
        "def write(f):\n"
        "    f.write(b'partial')\n"
        "    os.kill(os.getpid(), signal.SIGTERM)\n"
        "    f.write(b'never')\n"
        "atomic.replace(Path(sys.argv[1]), write)\n"
    )
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path / "out.xlsx")], check=False, timeout=120)
    assert done.returncode == 128 + signal.SIGTERM
    assert os.listdir(tmp_path) == []


def test_summary_csv_escapes_every_formula_like_text(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "=Sheet"
    ws.append(["@name", "+value", "-label"])
    for name in ("=HYPERLINK(1)", "\tx", "-5"):
        ws.append([name, 1, '="=cmd"&"|x"'])
        ws.cell(ws.max_row, 1).data_type = "s"  # text that looks like a formula, not a formula
    book.save(tmp_path / "in.xlsx")
    recalc(tmp_path / "in.xlsx", summary=tmp_path / "s.csv")
    rows = list(csv.reader((tmp_path / "s.csv").read_text("utf-8").splitlines()))[1:]
    texts = [field for row in rows for field in (row[0], row[2], row[3], row[4])]
    assert texts and all(not t.startswith(("=", "+", "@", "\t", "\r")) for t in texts)
    assert all(not t.startswith("-") or t == "-5" for t in texts)  # a number stays a number
    assert {r[2] for r in rows} == {"'=HYPERLINK(1)", "'\tx", "-5"}


def test_summary_json_is_strict_json(tmp_path: Path) -> None:
    path = _book(tmp_path / "in.xlsx", {"A1": "x", "B1": "head", "A2": 1e308, "B2": "=A2*10", "C2": "=1/0"})
    recalc(path, summary=tmp_path / "s.json")
    doc = json.loads((tmp_path / "s.json").read_text(), parse_constant=lambda c: pytest.fail(c))
    assert doc["errors"] == 2
