"""Multi-cell array formulas: one evaluation whose result fills a range.

Excel stores an array formula over a range (entered with Ctrl+Shift+Enter, or a dynamic array's
spill) as ``<f t="array" ref="W4:AB109">`` on the range's top-left cell; the range's other cells
hold only cached values (ECMA-376 Part 1 §18.3.1.40, ``t="array"``). The formula is evaluated once
and its result spread over the range the way Excel fills an array range (Microsoft, "Guidelines
and examples of array formulas"): a result smaller than the range is repeated along a dimension
of size 1 and padded with ``#N/A`` along the others, a larger one is cut to the range. The block
functions of ``mlsysim.macros.blocks`` are evaluated this way: one call for a whole sheet.

``sheet_reader`` records the range's other cells (kind ``"spill"``), ``model`` gives the anchor's
instance its ``spill`` area, ``graph`` makes every cell of the area depend on the anchor,
``recalculate`` spreads the anchor's result and ``writer`` patches the cached values of all cells.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from formulas.ranges import Ranges
from formulas.tokens.operand import Error

from .cellref import parse_address
from .values import EMPTY, scalar

Area = tuple[int, int, int, int]  # r1, c1, r2, c2
NA = Error.errors["#N/A"]


def area(ref: str | None) -> Area | None:
    """``"W4:AB109"`` -> (4, 23, 109, 28); None for one cell or an unreadable reference."""
    if not ref or ":" not in ref:
        return None
    first, _, last = ref.partition(":")
    a, b = parse_address(first), parse_address(last)
    if not a or not b or a == b:
        return None
    return min(a[0], b[0]), min(a[1], b[1]), max(a[0], b[0]), max(a[1], b[1])


def spread(result: Any, rows: int, cols: int) -> list[list[Any]]:
    """The values of a ``rows``×``cols`` array range whose formula gave ``result``."""
    if isinstance(result, Ranges):
        result = result.value
    grid = np.asarray(result, dtype=object) if isinstance(result, np.ndarray | list) else None
    if grid is None or grid.size == 0:
        return [[scalar(result)] * cols for _ in range(rows)]
    if grid.ndim != 2:
        grid = grid.reshape(1, -1) if grid.ndim < 2 else grid.reshape(grid.shape[0], -1)
    height, width = grid.shape
    na = NA
    out = []
    for i in range(rows):
        r = 0 if height == 1 else i
        line = []
        for j in range(cols):
            c = 0 if width == 1 else j
            line.append(na if r >= height or c >= width else _cell(grid[r, c]))
        out.append(line)
    return out


def _cell(value: Any) -> Any:
    return 0.0 if value is EMPTY or value is None else scalar(value)


def patch_value_cell(data: bytes, spans: list[int], prefix: bytes, value: Any) -> tuple[bytes, int]:
    """(the new XML of a cell that holds only a cached value, the offset after the old one): its
    ``t`` attribute and ``<v>`` set for ``value``, an old ``<v>``/``<is>`` dropped, an empty
    ``<c .../>`` opened up."""
    from .writer import _T_ATTR, _end, encode  # the writer calls this: imported when used

    c_start, c_end_event, _, _, v_start, v_end_event, is_start, is_end_event = spans
    open_end = data.index(b">", c_start) + 1
    empty = data[open_end - 2 : open_end - 1] == b"/"
    tag_end = open_end - 2 if empty else open_end - 1
    kind, text = encode(value)
    start_tag = _T_ATTR.sub(b"", data[c_start:tag_end]).rstrip()
    if kind:
        start_tag += b' t="' + kind + b'"'
    v = b"<" + prefix + b"v>" + text + b"</" + prefix + b"v>"
    if empty:
        return start_tag + b">" + v + b"</" + prefix + b"c>", open_end
    old = ((v_start, v_end_event), (is_start, is_end_event))
    drop = sorted((s, _end(data, s, e)) for s, e in old if s >= 0)
    inner = bytearray()
    cursor = open_end
    for s, e in drop:
        inner += data[cursor:s]
        cursor = e
    inner += data[cursor:c_end_event]
    return start_tag + b">" + v + bytes(inner), c_end_event


__all__ = ["Area", "area", "patch_value_cell", "spread"]
