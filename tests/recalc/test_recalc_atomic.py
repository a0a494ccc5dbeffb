"""Writes are atomic: a failure while the output is being written (here a damaged part that only
the copy reads) or an interruption leaves no output, no temporary file, and an untouched input."""

from __future__ import annotations

import hashlib
import struct
import zipfile
from pathlib import Path

import pytest
from mlsysim.workbooks.recalc import UnusableWorkbookError, recalc
from recalc_support import native_book


def _damage(path: Path, part: str) -> None:
    """Flip bytes inside ``part``'s compressed data (the zip directory stays intact)."""
    with zipfile.ZipFile(path) as z:
        info = z.getinfo(part)
    raw = bytearray(path.read_bytes())
    name_len, extra_len = struct.unpack("<HH", raw[info.header_offset + 26 : info.header_offset + 30])
    start = info.header_offset + 30 + name_len + extra_len
    for i in range(start, start + min(info.compress_size, 40)):
        raw[i] ^= 0xA5
    path.write_bytes(bytes(raw))


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_failure_while_writing_leaves_nothing(tmp_path: Path) -> None:
    src = native_book(tmp_path / "in.xlsx")
    _damage(src, "docProps/app.xml")  # not needed to evaluate, read only when copied
    assert recalc(src).exit_code == 0  # evaluating alone never reads it
    with pytest.raises(UnusableWorkbookError, match=r"docProps/app\.xml"):
        recalc(src, tmp_path / "out.xlsx")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.xlsx"]


def test_failed_in_place_recompute_keeps_the_input(tmp_path: Path) -> None:
    src = native_book(tmp_path / "in.xlsx")
    _damage(src, "docProps/app.xml")
    before = _digest(src)
    with pytest.raises(UnusableWorkbookError):
        recalc(src, in_place=True)
    assert _digest(src) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.xlsx"]


def test_interrupted_recompute_writes_nothing(tmp_path: Path) -> None:
    """Ctrl-C (KeyboardInterrupt) arriving while formulas are evaluated."""
    src = native_book(tmp_path / "in.xlsx")

    def interrupt(done: int, total: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        recalc(src, tmp_path / "out.xlsx", summary=tmp_path / "s.json", progress=interrupt)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.xlsx"]
