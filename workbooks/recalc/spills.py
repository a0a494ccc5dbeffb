"""Multi-cell array formulas: one evaluation whose result fills a range.

Excel stores an array formula over a range (entered with Ctrl+Shift+Enter, or a dynamic array's
spill) as ``<f t="array" ref="W4:AB109">`` on the range's top-left cell; the range's other cells
hold only cached values (ECMA-376 Part 1 §18.3.1.40, ``t="array"``). The formula is evaluated once
and its result spread over the range the way Excel fills an array range (Microsoft, "Guidelines
and examples of array formulas"): a result smaller than the range is repeated along a dimension
of size 1 and padded with ``#N/A`` along the others, a larger one is cut to the range. The block
functions of ``mlsysim.macros.blocks`` are evaluated this way: one call for a whole sheet.

``sheet_reader`` records the range's other cells (kind ``"spill"``), ``model`` gives the anchor's
instance its ``spill`` area and its own group, ``graph`` counts every cell of the area as the
anchor's, ``recalculate`` spreads the anchor's result and ``writer`` patches all the cells.
"""

from __future__ import annotations

from typing import Any

from .arrays import Area, Arr
from .cellref import parse_address
from .values import NA, scalar

Box = tuple[int, int, int, int]  # r1, c1, r2, c2


def area(ref: str | None) -> Box | None:
    """``"W4:AB109"`` -> (4, 23, 109, 28); None for one cell or an unreadable reference."""
    if not ref or ":" not in ref:
        return None
    first, _, last = ref.partition(":")
    a, b = parse_address(first), parse_address(last)
    if not a or not b or a == b:
        return None
    return min(a[0], b[0]), min(a[1], b[1]), max(a[0], b[0]), max(a[1], b[1])


def _grid(result: Any) -> Arr | None:
    """A result as an array: an Arr or a reference's values, or the rows a block function returns
    (a list of lists, a list, or a numpy array); None for one value."""
    if isinstance(result, Area):
        return result.array() if not result.single else None
    if isinstance(result, Arr):
        return result
    if hasattr(result, "tolist") and getattr(result, "ndim", 0) >= 1:
        result = result.tolist()
    if isinstance(result, list | tuple) and result:
        nested = all(isinstance(r, list | tuple) for r in result)
        rows = [list(r) for r in result] if nested else [list(result)]  # a flat list is one row
        width = max(len(r) for r in rows)
        return Arr([r + [NA] * (width - len(r)) for r in rows])
    return None


def spread(result: Any, rows: int, cols: int) -> list[list[Any]]:
    """The values of a ``rows``x``cols`` array range whose formula gave ``result``."""
    grid = _grid(result)
    if grid is None or grid.size == 0:
        value = scalar(result)
        return [[value] * cols for _ in range(rows)]
    out = []
    for i in range(rows):
        r = 0 if grid.height == 1 else i
        line = []
        for j in range(cols):
            c = 0 if grid.width == 1 else j
            line.append(NA if r >= grid.height or c >= grid.width else scalar(_plain(grid.get(r, c))))
        out.append(line)
    return out


def _plain(value: Any) -> Any:
    if hasattr(value, "item") and not isinstance(value, Area | Arr):  # a numpy scalar
        return value.item()
    return value


def patch_value_cell(data: bytes, spans: list[int], prefix: bytes, value: Any) -> bytes:
    """The new XML of a cell that holds only a cached value: its ``t`` attribute and ``<v>`` set
    for ``value``, an old ``<v>``/``<is>`` dropped, an empty ``<c .../>`` opened up."""
    from .writer import _T_ATTR, encode  # the writer calls this: imported when used

    c_start, open_end, c_end, _f_start, _f_end, v_start, v_end, i_start, i_end = spans
    empty = data[open_end - 2 : open_end] == b"/>"
    tag_end = open_end - 2 if empty else open_end - 1
    kind, text = encode(value)
    start_tag = _T_ATTR.sub(b"", data[c_start:tag_end]).rstrip()
    if kind:
        start_tag += b' t="' + kind + b'"'
    v = b"<" + prefix + b"v>" + text + b"</" + prefix + b"v>"
    if empty:
        return start_tag + b">" + v + b"</" + prefix + b"c>"
    inner = bytearray()
    cursor = open_end
    for s, e in sorted((s, e) for s, e in ((v_start, v_end), (i_start, i_end)) if s >= 0):
        inner += data[cursor:s]
        cursor = e
    inner += data[cursor:c_end]
    return start_tag + b">" + v + bytes(inner)
