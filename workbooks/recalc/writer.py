"""Writing the recomputed workbook: the input package with each formula's cached value replaced.

Every part is copied unchanged except (a) worksheets, where only each formula cell's ``t``
attribute and ``<v>`` value change (ECMA-376 Part 1 §18.3.1.4; ``t="str"`` for text results,
``b`` for booleans, ``e`` for Excel errors, none for numbers) and (b) the workbook part, whose
``fullCalcOnLoad`` flag (§18.2.2, "values are stale, recalculate when opened") is dropped because
the values are now current. Charts, styles, validations, names and unknown parts stay byte for
byte. The file is replaced atomically (``atomic``): a crash or Ctrl-C never leaves half a workbook.
"""

from __future__ import annotations

import contextlib
import re
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any, BinaryIO

from formulas.tokens.operand import XlError

from . import atomic
from .package import Package
from .sheet_reader import FormulaCell

_T_ATTR = re.compile(rb"""\s+t\s*=\s*(?:"[^"]*"|'[^']*')""")
_PREFIX = re.compile(rb"<([A-Za-z_][\w.-]*:)?c[\s>/]")
_FULL_CALC = re.compile(rb"""(<(?:[\w.-]+:)?calcPr\b[^>]*?)\s+fullCalcOnLoad\s*=\s*(?:"[^"]*"|'[^']*')""")
_ESCAPED = re.compile(r"_(x[0-9A-Fa-f]{4}_)")
_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\ufffe\uffff\r]")


def escape_text(text: str) -> bytes:
    """Text as OOXML cell XML carries it: ``_xHHHH_`` for characters XML cannot hold (and a literal
    ``_x0041_`` kept literal), then XML escapes."""
    text = _ESCAPED.sub(r"_x005F_\1", text)
    text = _UNSAFE.sub(lambda m: f"_x{ord(m.group(0)):04X}_", text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").encode("utf-8")


def encode(value: Any) -> tuple[bytes | None, bytes]:
    """(cell type attribute or None for a number, ``<v>`` text) for a computed value."""
    if isinstance(value, bool):
        return b"b", b"1" if value else b"0"
    if isinstance(value, XlError):
        return b"e", str(value).encode()
    if isinstance(value, str):
        return b"str", escape_text(value)
    if value.is_integer() and abs(value) < 1e15:
        return None, str(int(value)).encode()
    return None, repr(value).encode()


def _end(data: bytes, start: int, end_event: int) -> int:
    """Where the element whose start tag is at ``start`` ends (expat reports its end event at the
    end tag, or just after an empty element)."""
    gt = data.index(b">", start)
    if data[gt - 1 : gt] == b"/":
        return gt + 1
    return data.index(b">", end_event) + 1


def patch_sheet(data: bytes, cells: Sequence[FormulaCell], values: Sequence[Any]) -> bytes:
    """The worksheet XML ``data`` with each formula cell's cached value set to ``values[i]`` (and each
    value cell of an array formula's range, kind ``"spill"``, ``arrays.patch_value_cell``); cells
    in document order."""
    out: list[bytes] = []
    pos = 0
    for cell, value in zip(cells, values, strict=True):
        c_start, c_end_event, f_start, f_end_event, v_start, v_end_event, is_start, is_end_event = cell.spans
        open_end = data.index(b">", c_start) + 1
        prefix = _PREFIX.match(data, c_start).group(1) or b""
        if cell.kind == "spill":  # a cell of an array formula's range: no formula, only the value
            from .arrays import patch_value_cell

            xml, end = patch_value_cell(data, cell.spans, prefix, value)
            out += [data[pos:c_start], xml]
            pos = end
            continue
        kind, text = encode(value)
        start_tag = _T_ATTR.sub(b"", data[c_start : open_end - 1])
        if kind:
            start_tag += b' t="' + kind + b'"'
        f_end = _end(data, f_start, f_end_event)
        drop = [
            (s, _end(data, s, e)) for s, e in ((v_start, v_end_event), (is_start, is_end_event)) if s >= 0
        ]
        inner = bytearray()
        cursor = open_end
        for s, e in sorted(drop):
            inner += data[cursor:s]
            cursor = e
        inner += data[cursor:c_end_event]
        split = f_end - open_end - sum(e - s for s, e in drop if e <= f_end)
        v = b"<" + prefix + b"v>" + text + b"</" + prefix + b"v>"
        out += [data[pos:c_start], start_tag, b">", bytes(inner[:split]), v, bytes(inner[split:])]
        pos = c_end_event
    out.append(data[pos:])
    return b"".join(out)


def mark_current(workbook_xml: bytes) -> bytes:
    """The workbook part without ``fullCalcOnLoad`` (the cached values are now current)."""
    return _FULL_CALC.sub(rb"\1", workbook_xml, count=1)


def write_package(pkg: Package, target: Path, patched: dict[str, bytes]) -> None:
    """Write ``pkg`` with the parts in ``patched`` replaced, atomically, to ``target``."""

    def write(raw: BinaryIO) -> None:
        with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as out:
            for name, info in pkg.infos.items():
                copy = zipfile.ZipInfo(name, info.date_time)
                stored = info.compress_type == zipfile.ZIP_STORED
                copy.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
                copy.external_attr = info.external_attr
                if name in patched:
                    out.writestr(copy, patched[name])
                    continue
                with (
                    out.open(copy, "w", force_zip64=info.file_size > (1 << 30)) as dest,
                    contextlib.closing(pkg.chunks(name)) as stream,
                ):
                    for chunk in stream:
                        dest.write(chunk)

    atomic.replace(Path(target), write)
