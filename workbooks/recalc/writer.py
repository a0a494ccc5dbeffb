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
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, BinaryIO
from xml.parsers import expat

from . import atomic, xmlsafe
from .package import Package
from .sheet_reader import FormulaCell
from .values import XlError

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
    kind = type(value)
    if kind is float:
        if value.is_integer() and abs(value) < 1e15:
            return None, str(int(value)).encode()
        return None, repr(value).encode()
    if kind is bool:
        return b"b", b"1" if value else b"0"
    if kind is XlError:
        return b"e", str(value).encode()
    return b"str", escape_text(str(value))


def _prefix(data: bytes, start: int) -> bytes:
    """The namespace prefix of the cell element at ``start`` (``x:`` in ``<x:c``), or b""."""
    m = _PREFIX.match(data, start)
    return (m.group(1) if m else None) or b""


def patch_sheet(data: bytes, cells: Sequence[FormulaCell], values: Sequence[Any]) -> bytes:
    """The worksheet XML ``data`` (UTF-8) with each formula cell's cached value set to ``values[i]``:
    the cell's ``t`` attribute and ``<v>`` change, an ``<is>`` is dropped, every other byte stays."""
    out: list[bytes] = []
    append = out.append
    pos = 0
    order: Any = range(len(cells))
    if any(cells[i].spans[0] > cells[i + 1].spans[0] for i in range(len(cells) - 1)):
        order = sorted(order, key=lambda i: cells[i].spans[0])
    for i in order:
        c_start, open_end, c_end, _f_start, f_end, v_start, v_end, i_start, i_end = cells[i].spans
        if cells[i].kind == "spill":  # a cell of an array formula's range: only its value
            from .spills import patch_value_cell

            prefix = b"" if data[c_start + 1 : c_start + 3] == b"c " else _prefix(data, c_start)
            append(data[pos:c_start])
            append(patch_value_cell(data, cells[i].spans, prefix, values[i]))
            pos = c_end
            continue
        kind, text = encode(values[i])
        tag = data[c_start : open_end - 1]
        if b"t=" in tag:
            tag = _T_ATTR.sub(b"", tag)
        prefix = b"" if data[c_start + 1 : c_start + 3] == b"c " else _prefix(data, c_start)
        append(data[pos:c_start])
        append(tag + (b' t="' + kind + b'">' if kind else b">"))
        pos = c_end
        if i_start < 0 and (v_start < 0 or v_start == f_end):  # <c><f/><v/></c>: the usual layout
            append(data[open_end:f_end])
            append(
                b"<" + prefix + b"v>" + text + b"</" + prefix + b"v>" if prefix else b"<v>" + text + b"</v>"
            )
            append(data[v_end if v_start >= 0 else f_end : c_end])
            continue
        drops = sorted((s, e) for s, e in ((v_start, v_end), (i_start, i_end)) if s >= 0)
        cursor = open_end
        new_v = b"<" + prefix + b"v>" + text + b"</" + prefix + b"v>"
        inserted = False
        for s, e in drops:
            if not inserted and s >= f_end:
                append(data[cursor:f_end])
                append(new_v)
                cursor, inserted = f_end, True
            append(data[cursor:s])
            cursor = e
        if not inserted:
            append(data[cursor:f_end])
            append(new_v)
            cursor = max(cursor, f_end)
        append(data[cursor:c_end])
        pos = c_end
    append(data[pos:])
    return b"".join(out)


def mark_current(workbook_xml: bytes) -> bytes:
    """The workbook part without ``fullCalcOnLoad`` (the cached values are now current)."""
    return _FULL_CALC.sub(rb"\1", workbook_xml, count=1)


def _well_formed(pkg: Package, patched: dict[str, bytes]) -> None:
    for name, data in patched.items():
        p = xmlsafe.parser()
        try:
            p.Parse(data, True)
        except (expat.ExpatError, xmlsafe.HostileXml) as exc:
            raise pkg.unusable(
                f"the recomputed part {name} would not be well-formed XML ({exc}); nothing written"
            ) from None


def _reopens(pkg: Package) -> Callable[[Path], None]:
    """A check that the written file opens in openpyxl, as any reader of the package must."""

    def check(path: Path) -> None:
        import openpyxl

        try:
            with path.open("rb") as handle:  # a file object: openpyxl would refuse the .tmp name
                openpyxl.load_workbook(handle, read_only=True).close()
        except Exception as exc:  # openpyxl raises many kinds for a package it cannot read
            problem = f"{type(exc).__name__}: {exc}"
            raise pkg.unusable(
                f"the recomputed workbook does not re-open in openpyxl ({problem}); nothing written"
            ) from None

    return check


def write_package(pkg: Package, target: Path, patched: dict[str, bytes]) -> None:
    """Write ``pkg`` with the parts in ``patched`` replaced, atomically, to ``target``, after
    checking that every patched part is well-formed and that the result re-opens in openpyxl."""
    _well_formed(pkg, patched)

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

    atomic.replace(Path(target), write, _reopens(pkg))
