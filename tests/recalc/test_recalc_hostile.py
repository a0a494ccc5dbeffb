"""Bad and hostile input: a clear one-line error (``UnusableWorkbookError``, CLI exit 2), bounded
memory, and no output file left behind."""

from __future__ import annotations

import struct
import tracemalloc
import zipfile
from pathlib import Path

import openpyxl
import pytest
from conftest import soffice_path
from mlsysim.workbooks.recalc import UnusableWorkbookError, recalc
from recalc_support import (
    compound_file,
    libreoffice_recalc,
    native_book,
    parts,
    run_cli,
    write_parts,
    zip_with_stored,
)

MB = 1 << 20


def _refused(path: Path, tmp_path: Path, *phrases: str) -> str:
    """Recompute ``path`` into tmp_path/out.xlsx; assert it is refused with every phrase in the
    message, that nothing was written and that memory stayed under 64 MB."""
    before = set(tmp_path.iterdir())
    tracemalloc.start()
    try:
        with pytest.raises(UnusableWorkbookError) as info:
            recalc(path, tmp_path / "out.xlsx", summary=tmp_path / "summary.json")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    message = str(info.value)
    assert message.startswith(f"invalid workbook='{path.name}'")
    for phrase in phrases:
        assert phrase in message, message
    assert set(tmp_path.iterdir()) == before  # no output, no summary, no temporary file
    assert peak < 64 * MB
    assert "\n" not in message
    return message


def test_not_a_zip(tmp_path: Path) -> None:
    path = tmp_path / "notes.xlsx"
    path.write_text("scenario,price\nA,1\n")
    _refused(path, tmp_path, "not a zip")


def test_truncated(tmp_path: Path) -> None:
    whole = native_book(tmp_path / "whole.xlsx").read_bytes()
    path = tmp_path / "truncated.xlsx"
    path.write_bytes(whole[: len(whole) // 2])
    (tmp_path / "whole.xlsx").unlink()
    _refused(path, tmp_path, "truncated or corrupted zip")


def test_corrupted_part(tmp_path: Path) -> None:
    """The sheet's compressed bytes damaged in place (the zip directory intact)."""
    path = native_book(tmp_path / "damaged.xlsx")
    with zipfile.ZipFile(path) as z:
        info = z.getinfo("xl/worksheets/sheet1.xml")
    raw = bytearray(path.read_bytes())
    name_len, extra_len = struct.unpack("<HH", raw[info.header_offset + 26 : info.header_offset + 30])
    start = info.header_offset + 30 + name_len + extra_len
    for i in range(start + 10, start + 60):
        raw[i] ^= 0x5A
    path.write_bytes(bytes(raw))
    _refused(path, tmp_path, "sheet1.xml", "damaged")


def test_legacy_xls_from_libreoffice(tmp_path: Path) -> None:
    src = native_book(tmp_path / "book.xlsx")
    (saved,) = libreoffice_recalc([src], tmp_path)
    xls_dir = tmp_path / "xls"
    xls_dir.mkdir()
    import subprocess

    subprocess.run(
        [
            soffice_path(),
            f"-env:UserInstallation={(tmp_path / 'lo-profile').resolve().as_uri()}",
            "--headless",
            "--convert-to",
            "xls",
            "--outdir",
            str(xls_dir),
            str(saved),
        ],
        capture_output=True,
        timeout=300,
        check=True,
    )
    xls = xls_dir / "book.xls"
    assert xls.read_bytes()[:8] == bytes.fromhex("D0CF11E0A1B11AE1")
    _refused(xls, xls_dir, "legacy .xls", "save it as .xlsx")


def test_password_protected(tmp_path: Path) -> None:
    """Excel saves a password-protected workbook as a compound file with an EncryptedPackage."""
    path = tmp_path / "secret.xlsx"
    path.write_bytes(
        compound_file(
            {
                "EncryptionInfo": b"\x04\x00\x04\x00" + b"\0" * 200,
                "EncryptedPackage": b"\x10\x27\0\0\0\0\0\0" + bytes(range(256)) * 20,
            }
        )
    )
    _refused(path, tmp_path, "password-protected")


def test_entity_bomb(tmp_path: Path) -> None:
    """A worksheet declaring nested entities (a billion laughs: 10^9 'lol's if expanded)."""
    path = native_book(tmp_path / "bomb.xlsx")
    contents = parts(path)
    entities = "".join(f'<!ENTITY l{i} "{("&l" + str(i - 1) + ";") * 10}">' for i in range(1, 10))
    contents["xl/worksheets/sheet1.xml"] = (
        '<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY l0 "lol">' + entities + "]>"
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        '<row r="1"><c r="A1" t="inlineStr"><is><t>&l9;</t></is></c></row></sheetData></worksheet>'
    ).encode()
    write_parts(path, contents)
    _refused(path, tmp_path, "sheet1.xml", "DTD")


def test_zip_bomb_by_ratio(tmp_path: Path) -> None:
    """A part that inflates 1000:1 (64 MB of spaces in 64 KB)."""
    path = native_book(tmp_path / "bomb.xlsx")
    contents = parts(path)
    contents["xl/worksheets/sheet2.xml"] = b" " * (64 * MB)
    write_parts(path, contents)
    assert path.stat().st_size < 2 * MB
    _refused(path, tmp_path, "sheet2.xml", "zip bomb")


def test_zip_bomb_with_a_lying_size(tmp_path: Path) -> None:
    """A part whose headers claim 100 bytes but whose data inflates to 64 MB: reading stops at
    the claimed size and the CRC check fails."""
    path = native_book(tmp_path / "liar.xlsx")
    contents = parts(path)
    real = contents["xl/worksheets/sheet2.xml"]
    contents["xl/worksheets/sheet2.xml"] = real[: -len(b"</worksheet>")] + b" " * (64 * MB) + b"</worksheet>"
    write_parts(path, contents)
    with zipfile.ZipFile(path) as z:
        info = z.getinfo("xl/worksheets/sheet2.xml")
    raw = bytearray(path.read_bytes())
    raw[info.header_offset + 22 : info.header_offset + 26] = struct.pack("<I", 100)
    central = raw.rfind(b"PK\x01\x02" + raw[info.header_offset + 4 : info.header_offset + 6])
    while raw[central + 46 : central + 46 + len(info.filename)] != info.filename.encode():
        central = raw.find(b"PK\x01\x02", central + 4)
    raw[central + 24 : central + 28] = struct.pack("<I", 100)
    path.write_bytes(bytes(raw))
    _refused(path, tmp_path, "sheet2.xml")


def test_hundred_megabyte_workbook(tmp_path: Path) -> None:
    base = native_book(tmp_path / "base.xlsx")
    path = zip_with_stored(tmp_path / "huge.xlsx", base, "xl/media/video.bin", bytes(100 * MB))
    base.unlink()
    assert path.stat().st_size > 100 * MB
    _refused(path, tmp_path, "limit is 64 MB")


def test_unknown_function_names_cell_and_function(tmp_path: Path) -> None:
    path = native_book(tmp_path / "unknown.xlsx")
    book = openpyxl.load_workbook(path)
    book["Calc"]["Z5"] = "=FORECAST_LINEAR_FUTURE(C5)*2"
    book.save(path)
    _refused(path, tmp_path, "Calc!Z5", "unknown function FORECAST_LINEAR_FUTURE")


def test_circular_reference_names_the_cycle(tmp_path: Path) -> None:
    path = native_book(tmp_path / "circle.xlsx")
    book = openpyxl.load_workbook(path)
    book["Calc"]["Z2"] = "=Z4+1"
    book["Calc"]["Z3"] = "=Z2*2"
    book["Calc"]["Z4"] = "=SUM(Z3,F2)"
    book.save(path)
    _refused(path, tmp_path, "circular reference: Calc!Z2 -> Calc!Z4 -> Calc!Z3 -> Calc!Z2")


@pytest.mark.parametrize(
    ("old", "new"),
    [(b'<row r="3"', b'<row r="three"'), (b'<c r="C3"', b'<c r="XFE3"')],
    ids=["row", "column"],
)
def test_malformed_cells(tmp_path: Path, old: bytes, new: bytes) -> None:
    path = native_book(tmp_path / "cells.xlsx")
    contents = parts(path)
    assert old in contents["xl/worksheets/sheet1.xml"]
    contents["xl/worksheets/sheet1.xml"] = contents["xl/worksheets/sheet1.xml"].replace(old, new, 1)
    write_parts(path, contents)
    _refused(path, tmp_path, "sheet1.xml")


@pytest.mark.parametrize("kind", ["not-zip", "circular"])
def test_cli_exit_code_2(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "in.xlsx"
    if kind == "not-zip":
        path.write_bytes(b"\x00" * 100)
    else:
        native_book(path)
        book = openpyxl.load_workbook(path)
        book["Calc"]["Z2"] = "=Z2+1"
        book.save(path)
    done = run_cli(
        "recalc", str(path), "-o", str(tmp_path / "out.xlsx"), "--summary", str(tmp_path / "s.csv")
    )
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("mlsysim recalc: error: invalid workbook")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.xlsx"]


def test_runaway_arguments_are_bounded(tmp_path: Path) -> None:
    """Cells that would make ``formulas`` compute for hours (10**1e300, factorial(1e7)) or build a
    gigabyte string get Excel's own limit errors; normal arguments keep their answers."""
    book = openpyxl.Workbook()
    ws = book.active
    cells = {
        "A1": ("=ROUND(1,1E+300)", 1),  # 1 rounded to any number of decimal places is 1
        "A2": ("=FACT(1E+7)", "#NUM!"),
        "A3": ('=REPT("x",1E+9)', "#VALUE!"),
        "A4": ("=PERMUT(1E+9,5E+8)", "#NUM!"),
        "A5": ("=PERMUTATIONA(1E+9,1E+9)", "#NUM!"),
        "A6": ('=REPT("x",20000)&REPT("y",20000)', "#VALUE!"),  # above Excel's 32,767 per cell
        "B1": ("=ROUND(2.5,0)", 3),
        "B2": ("=FACT(5)", 120),  # 5! = 120
        "B3": ('=REPT("ab",3)', "ababab"),
        "B4": ("=PERMUT(5,2)", 20),  # 5 * 4
        "B5": ("=PERMUTATIONA(3,2)", 9),  # 3 ** 2
    }
    for ref, (formula, _) in cells.items():
        ws[ref] = formula
    path = tmp_path / "runaway.xlsx"
    book.save(path)
    tracemalloc.start()
    try:
        report = recalc(path, tmp_path / "out.xlsx")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 64 * MB
    assert report.exit_code == 1 and len(report.errors) == 5
    values = openpyxl.load_workbook(tmp_path / "out.xlsx", data_only=True).active
    assert {ref: values[ref].value for ref in cells} == {ref: want for ref, (_, want) in cells.items()}
