"""Evaluating compiled formulas, level by level, one group of copies at a time.

All copies of one compiled formula on one level are evaluated together. Each node of the tree
yields either one value for the whole group (constants, absolute references, functions of those),
a column of scalars (one per copy; element-wise functions are called once on the column, which
numpy applies cell by cell), or a list with one value per copy (everything else is called once per
copy). Every call goes to the same ``formulas`` function a one-cell evaluation would call, with
the same kinds of arguments: 1x1 arrays for single cells, 2-D arrays for areas, ``Ranges`` for
functions that take references.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from formulas.ranges import Ranges

from . import functions, reference
from .cellref import MAX_COL, MAX_ROW
from .compiler import Call, Ref
from .graph import Instance
from .values import EMPTY, NAME, REF, VALUE, scalar

SHARED, COLUMN, EACH = 0, 1, 2


class Workbook:
    """Cell values by sheet (constants, then results as they are computed) and area arrays."""

    def __init__(self, names: list[str], values: list[dict], extents: list[tuple[int, int]]) -> None:
        self.names = names
        self.values = values
        self.extents = extents
        self.sheet_ids = [reference.sheet_id(n) for n in names]
        self.sheet_index = {sid: i for i, sid in enumerate(self.sheet_ids)}
        self._areas: dict[tuple, Any] = {}
        self._references: dict[tuple, Ranges] = {}

    def array(self, sheet: int, r1: int, c1: int, r2: int, c2: int) -> np.ndarray:
        """Values of an area (empty cells are ``EMPTY``). A whole column or row (``B:B``, ``2:2``)
        ends at the sheet's last used row or column, as ``formulas`` reads it (a million empty
        cells add nothing to SUM or MATCH); any other area keeps its shape."""
        max_row, max_col = self.extents[sheet]
        if r2 == MAX_ROW:
            r2 = max(max_row, r1)
        if c2 == MAX_COL:
            c2 = max(max_col, c1)
        cells = self.values[sheet]
        if r1 == r2 and c1 == c2:
            out = np.empty((1, 1), object)
            v = cells.get((r1, c1))
            out[0, 0] = EMPTY if v is None else v
            return out
        key = (sheet, r1, c1, r2, c2)
        cached = self._areas.get(key)
        if cached is None:
            out = np.empty((r2 - r1 + 1, c2 - c1 + 1), object)
            out.fill(EMPTY)  # np.full would store the marker as a plain str
            get = cells.get
            for r in range(r1, r2 + 1):
                for c in range(c1, c2 + 1):
                    v = get((r, c))
                    if v is not None:
                        out[r - r1, c - c1] = v
            cached = self._areas[key] = out
        return cached

    def reference(self, sheet: int, r1: int, c1: int, r2: int, c2: int) -> Ranges:
        """A ``Ranges`` reference with its values, as ``formulas`` passes references."""
        key = (sheet, r1, c1, r2, c2)
        cached = self._references.get(key)
        if cached is None:
            values = self.array(sheet, r1, c1, r2, c2)
            cached = reference.make(self.sheet_ids[sheet], r1, c1, r2, c2, values)
            if r1 != r2 or c1 != c2:  # an area is read by many cells; a single cell by few
                self._references[key] = cached
        return cached

    def span(self, a: Any, b: Any) -> Any:
        """The range operator ``a:b`` on two references: the box around both, with the values of
        every cell in it (``formulas`` keeps only the two operands' own values)."""
        if not (isinstance(a, Ranges) and isinstance(b, Ranges)) or len(a.ranges) != 1 or len(b.ranges) != 1:
            return VALUE
        x, y = a.ranges[0], b.ranges[0]
        sheet = self.sheet_index.get(x.get("sheet_id"))
        if sheet is None or x.get("sheet_id") != y.get("sheet_id"):
            return REF
        r1, r2 = min(int(x["r1"]), int(y["r1"])), max(int(x["r2"]), int(y["r2"]))
        c1, c2 = min(x["n1"], y["n1"]), max(x["n2"], y["n2"])
        return self.reference(sheet, r1, c1, r2, c2)

    def cell(self, sheet: int, row: int, col: int) -> Ranges:
        """The calling cell as ``formulas`` passes it to ROW(), COLUMN() and ``@`` (no values)."""
        return reference.make(self.sheet_ids[sheet], row, col, row, col)


class Group:
    """Copies of one compiled formula evaluated together."""

    def __init__(self, book: Workbook, cells: list[Instance]) -> None:
        self.book = book
        self.cells = cells
        self.n = len(cells)

    def run(self) -> list[Any]:
        # Overflow and the like become #NUM! through the functions' own checks; numpy must not
        # also warn (a warnings filter set to "error" would turn a whole column into #VALUE!).
        with np.errstate(all="ignore"):
            kind, value = self.node(self.cells[0].template.tree, raw=True)
        if kind == SHARED:
            return [scalar(value)] * self.n
        if kind == COLUMN:
            return [scalar(v) for v in value[:, 0]]
        return [scalar(v) for v in value]

    def node(self, node: Any, raw: bool) -> tuple[int, Any]:
        if isinstance(node, Call):
            return self.call(node, raw)
        if isinstance(node, Ref):
            return self.ref(node, raw)
        return SHARED, node.value

    def ref(self, ref: Ref, raw: bool) -> tuple[int, Any]:
        book = self.book
        fetch: Callable[..., Any] = book.array if raw else book.reference
        if ref.area.fixed or self.n == 1:
            box = ref.area.shifted(self.cells[0].dr, self.cells[0].dc)
            return SHARED, (fetch(ref.sheet, *box) if box else REF)
        boxes = [ref.area.shifted(c.dr, c.dc) for c in self.cells]
        if raw and ref.single and all(boxes):
            cells = book.values[ref.sheet]
            column = np.empty((self.n, 1), object)
            column[:, 0] = [cells.get((b[0], b[1]), EMPTY) for b in boxes]
            return COLUMN, column
        return EACH, [fetch(ref.sheet, *b) if b else REF for b in boxes]

    def call(self, node: Call, raw: bool) -> tuple[int, Any]:
        fn = node.function
        call = fn.for_values if raw and fn.for_values else fn.call
        if fn.name == ":":
            call = self.book.span
        args = [self.node(a, i not in fn.references) for i, a in enumerate(node.args)]
        for extra in reversed(fn.extra):
            if extra is functions.CELL:
                cells = [self.book.cell(c.sheet, c.row, c.col) for c in self.cells]
                args.insert(0, (EACH, cells))
            else:  # COMPILING: always False when evaluating
                args.insert(0, (SHARED, False))
        if all(k == SHARED for k, _ in args):
            return SHARED, _invoke(call, [v for _, v in args])
        if fn.elementwise and all(
            (k == SHARED and (i not in fn.elementwise or _is_scalar(v)))
            or (k == COLUMN and i in fn.elementwise)
            for i, (k, v) in enumerate(args)
        ):
            result = _invoke(call, [v for _, v in args])
            if isinstance(result, np.ndarray) and result.shape == (self.n, 1):
                return COLUMN, result
        return EACH, [_invoke(call, [_pick(k, v, i) for k, v in args]) for i in range(self.n)]


def _is_scalar(value: Any) -> bool:
    return not isinstance(value, np.ndarray | Ranges) or (isinstance(value, np.ndarray) and value.size == 1)


def _pick(kind: int, value: Any, i: int) -> Any:
    if kind == SHARED:
        return value
    if kind == COLUMN:
        return value[i : i + 1]
    return value[i]


def _invoke(fn: Callable[..., Any], args: list[Any]) -> Any:
    try:
        return fn(*args)
    except NotImplementedError:
        return NAME
    except Exception:  # formulas returns #VALUE! for what its functions cannot take
        return VALUE
