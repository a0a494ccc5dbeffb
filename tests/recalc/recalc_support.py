"""Helpers for the recompute tests: small workbooks built with openpyxl, byte-level edits of a
package, LibreOffice recalculating a file, and reading values back."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
from conftest import soffice_path

# LibreOffice's "Recalculation on file load" for OOXML (0 = always): without it LibreOffice shows
# the cached values it finds, and a comparison with ours would compare us with ourselves.
_PROFILE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse">
<value>0</value></prop></item>
</oor:items>
"""


def libreoffice_recalc(files: list[Path], workdir: Path) -> list[Path]:
    """Open ``files`` in headless LibreOffice (always recalculating) and save them as .xlsx into
    ``workdir/lo``; returns the saved paths in order."""
    soffice = soffice_path()
    profile = workdir / "lo-profile"
    (profile / "user").mkdir(parents=True, exist_ok=True)
    (profile / "user" / "registrymodifications.xcu").write_text(_PROFILE)
    out = workdir / "lo"
    out.mkdir(exist_ok=True)
    done = subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={profile.resolve().as_uri()}",
            "--headless",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(out),
            *map(str, files),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    saved = [out / f.name for f in files]
    missing = [p.name for p in saved if not p.exists()]
    assert not missing, f"soffice did not save {missing}: {done.stdout} {done.stderr}"
    return saved


def formula_cells(path: Path) -> dict[tuple[str, str], str]:
    """{(sheet, cell): formula text} of every formula cell."""
    book = openpyxl.load_workbook(path)
    return {
        (ws.title, c.coordinate): c.value
        for ws in book.worksheets
        for row in ws.iter_rows()
        for c in row
        if c.data_type == "f"
    }


def cached_values(path: Path) -> dict[tuple[str, str], Any]:
    """{(sheet, cell): cached value} of every non-empty cell, as a spreadsheet shows it."""
    book = openpyxl.load_workbook(path, data_only=True)
    return {
        (ws.title, c.coordinate): c.value
        for ws in book.worksheets
        for row in ws.iter_rows()
        for c in row
        if c.value is not None
    }


def close(a: Any, b: Any, rel: float) -> bool:
    """Numbers equal to ``rel`` relative (absolute for values near zero); others exactly."""
    if (
        isinstance(a, bool)
        or isinstance(b, bool)
        or not isinstance(a, int | float)
        or not isinstance(b, int | float)
    ):
        return a == b
    return abs(a - b) <= rel * max(abs(a), abs(b), 1e-300) or abs(a - b) < 1e-300


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {name: z.read(name) for name in z.namelist()}


def write_parts(path: Path, contents: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in contents.items():
            z.writestr(name, data)


def sheet_part(path: Path, title: str) -> str:
    """The worksheet part name of sheet ``title`` (openpyxl numbers them in order)."""
    book = openpyxl.load_workbook(path, read_only=True)
    return f"xl/worksheets/sheet{book.sheetnames.index(title) + 1}.xml"


def set_cached(xml: bytes, cell: str, value: str) -> bytes:
    """Replace the ``<v>`` of constant cell ``cell`` in worksheet XML (a stale edit, no recompute)."""
    pattern = re.compile(rb'(<c r="' + cell.encode() + rb'"[^>]*>)<v>[^<]*</v>')
    new, count = pattern.subn(lambda m: m.group(1) + b"<v>" + value.encode() + b"</v>", xml)
    assert count == 1, f"cell {cell} not found as a constant"
    return new


def run_cli(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess:
    """``mlsysim ARGS`` in a subprocess (the real console entry point)."""
    return subprocess.run(
        [sys.executable, "-m", "mlsysim.cli.main", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        cwd=cwd,
        check=False,
    )


HARDWARE = [  # id, price (USD), bandwidth (TB/s), note
    ("h1", 1000.0, 2.0, "fast"),
    ("h2", 2500.0, 3.35, None),
    ("h3", 400.0, 0.9, "edge"),
    ("h4", 30000.0, 8.0, "big"),
    ("h5", None, 1.5, "no price"),
]
SCENARIOS = [  # name, hardware id, units, hours
    ("s1", "h1", 3, 2.0),
    ("s2", "h2", 4, 7.5),
    ("s3", "h4", 2, 12.0),
    ("s4", "h3", 16, 1.0),
    ("s5", "h1", 5, 30.0),
    ("s6", "h5", 8, 4.0),
]
# Column -> formula template ({r} is the row): the portable subset plus INDEX(...,0), names, text.
NATIVE_COLUMNS = {
    "E": "=INDEX(Hardware!$B$2:$B$6,MATCH($B{r},Hardware!$A$2:$A$6,0))",
    "F": "=C{r}*E{r}",
    "G": '=IF(F{r}>10000,"big","small")',
    "H": "=IFERROR(F{r}/(C{r}-3),-1)",
    "I": "=ROUND(SQRT(F{r}+1)+EXP(1)-LN(D{r}),4)",
    "J": "=AND(C{r}>1,OR(D{r}<5,D{r}>10))",
    "K": "=SUMPRODUCT(Hardware!$B$2:$B$6,Hardware!$C$2:$C$6)/C{r}",
    "L": '=SUMIFS(Hardware!$B$2:$B$6,Hardware!$C$2:$C$6,">"&D{r}/4)',
    "M": '=COUNTIFS(Hardware!$C$2:$C$6,">="&D{r}/10)',
    "N": "=MIN(C{r}:D{r})+MAX(E{r},F{r})",
    "O": '=B{r}&"-"&C{r}',
    "P": "=SUM(INDEX(Hardware!$B$2:$C$6,MATCH($B{r},Hardware!$A$2:$A$6,0),0))",
    "Q": "=Rate*C{r}",
    "R": "=ISERROR(F{r}/(C{r}-4))",
    "S": "=-C{r}^2+C{r}%",
    "T": "=F{r}*1.1+Q{r}/3",
    "U": "=IF(ROW()=2,F{r},U{prev}+F{r})",
}


def native_book(path: Path, extra: bool = True) -> Path:
    """A workbook of native formulas only: a Hardware catalog sheet, a Calc sheet with one scenario
    per row (the columns of ``NATIVE_COLUMNS``), totals, a defined name, and an extra Notes sheet."""
    book = openpyxl.Workbook()
    calc = book.active
    calc.title = "Calc"
    hw = book.create_sheet("Hardware")
    hw.append(["id", "price (USD)", "bandwidth (TB/s)", "note"])
    for row in HARDWARE:
        hw.append(list(row))
    calc.append(["scenario", "hardware", "units", "hours", *NATIVE_COLUMNS])
    for i, (name, hw_id, units, hours) in enumerate(SCENARIOS, start=2):
        formulas = [t.format(r=i, prev=i - 1) for t in NATIVE_COLUMNS.values()]
        calc.append([name, hw_id, units, hours, *formulas])
    last = len(SCENARIOS) + 1
    calc["W1"] = f"=SUM(F2:F{last})"
    calc["X1"] = f"=MAX(H2:H{last})-MIN(I2:I{last})"
    calc["Y1"] = f'=COUNTIFS(G2:G{last},"big")'
    book.defined_names["Rate"] = openpyxl.workbook.defined_name.DefinedName(
        "Rate", attr_text="Hardware!$C$3*10"
    )
    if extra:
        notes = book.create_sheet("Notes")
        notes["A1"] = "added by a user"
    book.save(path)
    return path


def compound_file(streams: dict[str, bytes]) -> bytes:
    """An OLE2 compound file (MS-CFB v3, 512-byte sectors) holding ``streams`` (each padded to
    4096 bytes so none goes to the mini stream): the container of .xls files and of password-
    protected Office files (which hold ``EncryptionInfo`` and ``EncryptedPackage``)."""
    end, free, fat_sect = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD
    data = [s.ljust(max(4096, -(-len(s) // 512) * 512), b"\0") for s in streams.values()]
    fat = [fat_sect, end]  # sector 0: the FAT, sector 1: the directory
    starts = []
    for blob in data:
        count = len(blob) // 512
        starts.append(len(fat))
        fat += [len(fat) + i + 1 for i in range(count - 1)] + [end]
    assert len(fat) <= 128
    fat += [free] * (128 - len(fat))

    def entry(name: str, kind: int, start: int, size: int, child: int = free, right: int = free) -> bytes:
        raw = (name + "\0").encode("utf-16-le")
        return (
            raw.ljust(64, b"\0")
            + len(raw).to_bytes(2, "little")
            + bytes([kind, 1])  # object type, colour black
            + free.to_bytes(4, "little")  # left sibling
            + right.to_bytes(4, "little")
            + child.to_bytes(4, "little")
            + b"\0" * 36  # CLSID, state bits, creation and modification times
            + start.to_bytes(4, "little")
            + size.to_bytes(8, "little")
        )

    names = list(streams)
    directory = entry("Root Entry", 5, end, 0, child=1)
    for i, name in enumerate(names):
        right = i + 2 if i + 1 < len(names) else free
        directory += entry(name, 2, starts[i], len(streams[name]), right=right)
    directory = directory.ljust(512, b"\0")
    header = (
        bytes.fromhex("D0CF11E0A1B11AE1")
        + b"\0" * 16
        + (0x3E).to_bytes(2, "little")
        + (3).to_bytes(2, "little")
        + (0xFFFE).to_bytes(2, "little")
        + (9).to_bytes(2, "little")
        + (6).to_bytes(2, "little")
        + b"\0" * 6
        + (0).to_bytes(4, "little")  # directory sectors (0 in version 3)
        + (1).to_bytes(4, "little")  # FAT sectors
        + (1).to_bytes(4, "little")  # first directory sector
        + (0).to_bytes(4, "little")  # transaction signature
        + (4096).to_bytes(4, "little")  # mini stream cut-off
        + end.to_bytes(4, "little")
        + (0).to_bytes(4, "little")  # mini FAT: none
        + end.to_bytes(4, "little")
        + (0).to_bytes(4, "little")  # DIFAT sectors: none
        + (0).to_bytes(4, "little")  # DIFAT[0]: the FAT is sector 0
        + free.to_bytes(4, "little") * 108
    )
    assert len(header) == 512
    fat_sector = b"".join(v.to_bytes(4, "little") for v in fat)
    return header + fat_sector + directory + b"".join(data)


def zip_with_stored(path: Path, base: Path, name: str, payload: bytes) -> Path:
    """``base``'s parts plus one more part ``name`` stored uncompressed (a large workbook)."""
    with zipfile.ZipFile(base) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info.filename))
        dst.writestr(zipfile.ZipInfo(name), payload, compress_type=zipfile.ZIP_STORED)
    return path
