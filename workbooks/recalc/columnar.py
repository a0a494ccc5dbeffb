"""Worksheets in the common form, read and patched a whole part at a time.

Excel, LibreOffice and openpyxl write a formula cell as ``<c r="K4" s="16"><f>MATCH(B4,..)</f>
<v>1</v></c>`` (``s`` and ``t`` optional, the ``<v>`` optional). When every formula cell of a part
has that form and every other cell is a plain value cell, the part is read with one ``re.split``
(the formula cells' addresses and texts come out as lists, the value cells are the text between)
and patched with another split over the same pattern, whose pieces are joined around the new
``t`` attributes and ``<v>`` elements. Each split finds the same cells in the same order (one
pattern, the same bytes), so the values given in document order land in the right cells without
recording byte offsets. Any part with another kind of cell (shared or array formulas, rich text,
namespace prefixes, a cell this module does not recognise) returns ``None`` from ``read`` and is
read and written cell by cell (``sheet_reader``, ``writer``), which handles every form.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from operator import add
from typing import Any

from .cellref import MAX_COL, MAX_ROW, column_index

# A formula cell in the common form. The reader captures (letters, digits, text); the writer's
# pattern has the same structure with other groups, so both find the same cells.
_ADDRESS_ATTRS = rb'<c r="([A-Z]{1,3})([0-9]{1,7})"(?: s="[0-9]+")?'
_READ = re.compile(_ADDRESS_ATTRS + rb'(?: t="[a-zA-Z]+")?><f>([^<]*)</f>(?:<v>[^<]*</v>|<v ?/>)?</c>')
_WRITE = re.compile(
    rb'(<c r="[A-Z]{1,3}[0-9]{1,7}"(?: s="[0-9]+")?)(?: t="[a-zA-Z]+")?'
    rb"(><f>[^<]*</f>)(?:<v>[^<]*</v>|<v ?/>)?</c>"
)
# A value cell, or a styled empty one: (letters, digits, type, <v> element, inline text opening, text)
_VALUE = re.compile(
    _ADDRESS_ATTRS + rb'(?: t="([a-zA-Z]+)")?(?: ?/>|>(<v>[^<]*</v>|<v ?/>)?'
    rb'(?:(<is><t(?: xml:space="preserve")?>)([^<]*)</t></is>)?</c>)'
)


@dataclass(slots=True)
class Common:
    """A part's cells in the common form: formula cells as parallel lists in document order, and
    the value cells (``(letters, digits, type, <v>, <is> opening, inline text)`` per cell)."""

    rows: list[int]
    cols: list[int]
    texts: list[bytes]
    values: list[tuple[bytes, ...]]


def read(data: bytes, start: int, end: int) -> Common | None:
    """The cells of ``data[start:end]`` (a ``sheetData``), or None when some cell is not in the
    common form."""
    parts = _READ.split(data[start:end])
    rest = b"".join(parts[0::4])
    if b"<f" in rest or b":f" in rest or b":c" in rest:  # another formula form, or prefixed elements
        return None
    values = _VALUE.findall(rest)
    cells = rest.count(b"<c ") + rest.count(b"<c>") + rest.count(b"<c/")
    if cells != len(values):
        return None
    letters = parts[1::4]
    known = {name: column_index(name.decode()) for name in set(letters)}
    return Common(list(map(int, parts[2::4])), list(map(known.__getitem__, letters)), parts[3::4], values)


def sheet_data(data: bytes) -> tuple[int, int]:
    """Where the cells are: from ``<sheetData`` to ``</sheetData>`` (the whole part without them)."""
    start = data.find(b"<sheetData")
    end = data.rfind(b"</sheetData>")
    return (start, end) if 0 <= start < end else (0, len(data))


def in_bounds(rows: list[int], cols: list[int]) -> bool:
    return not rows or (min(rows) >= 1 and max(rows) <= MAX_ROW and max(cols) <= MAX_COL)


def patch(data: bytes, values: Sequence[Any], encode: Any) -> bytes:
    """``data`` with the formula cells' cached values set to ``values`` (document order):
    ``t`` for the value's type (none for a number), then ``<v>``; every other byte kept."""
    start, end = sheet_data(data)
    parts = _WRITE.split(data[start:end])
    count = len(parts) // 3
    if count != len(values):
        raise ValueError(f"{count} formula cells found to patch, {len(values)} values")
    kinds, texts = _encoded(values, encode)
    parts[1::3] = map(add, parts[1::3], kinds)
    parts[2::3] = map(add, parts[2::3], texts)
    return data[:start] + b"".join(parts) + data[end:]


def _encoded(values: Sequence[Any], encode: Any) -> tuple[list[bytes], list[bytes]]:
    """The ``t`` attribute (with its space) and ``<v>..</v></c>`` of each value (a number as
    ``encode`` writes it, inline: most results are numbers)."""
    kinds: list[bytes] = []
    texts: list[bytes] = []
    for value in values:
        if type(value) is float:
            kinds.append(b"")
            if value.is_integer() and -1e15 < value < 1e15:
                texts.append(b"<v>%d</v></c>" % value)
            else:
                texts.append(b"<v>" + repr(value).encode() + b"</v></c>")
            continue
        kind, text = encode(value)
        kinds.append(b' t="' + kind + b'"' if kind else b"")
        texts.append(b"<v>" + text + b"</v></c>")
    return kinds, texts
