"""Running compiled formulas: all copies of one template together, one postfix step at a time.

Each step yields either one value for every copy (``SHARED``: constants, absolute references and
functions of those) or a list with one value per copy (``EACH``). A function is called once when
all its arguments are shared, else once per copy; the arithmetic operators run inline on numbers
(the common case) and fall back to the full Excel rules (``fn_scalar``) for anything else. The
stack is a list, so a formula's length or nesting never meets Python's recursion limit.
"""

from __future__ import annotations

from itertools import repeat
from typing import Any

from .arrays import Area, Arr
from .compiler import CONST, REFERENCE, Ref, Template
from .fn_ranges import exact_index
from .values import NUM, REF, scalar

SHARED, EACH = 0, 1
_DENSE_MIN = 1 << 16


class Book:
    """Cell values by sheet (constants, then results as they are computed) and what is derived
    from them: area arrays and MATCH indexes for absolute areas, catalog rows as UDFs get them."""

    def __init__(self, names: list[str], values: list[dict], extents: list[tuple[int, int]]) -> None:
        self.names = names
        self.values = values
        self.extents = extents
        self.sheet_ids = [n.upper() if " " not in n else f"'{n.upper()}'" for n in names]
        self.caching = True
        self._arrays: dict[tuple, Arr] = {}
        self._areas: dict[tuple, Area] = {}
        self._indexes: dict[tuple, dict | None] = {}
        self.plain_rows: dict[tuple, Any] = {}

    def area(self, sheet: int, r1: int, c1: int, r2: int, c2: int) -> Area:
        key = (sheet, r1, c1, r2, c2)
        found = self._areas.get(key)
        if found is None:
            found = Area(self, sheet, r1, c1, r2, c2)
            if self.caching:
                self._areas[key] = found
        return found

    def array(self, area: Area) -> Arr:
        """The values of ``area``: what is stored inside the sheet's used range (dense, or a dict
        when the box is far larger than the cells in it), the rest an empty tail."""
        key = area.key()
        found = self._arrays.get(key) if self.caching else None
        if found is not None:
            return found
        sheet = area.sheet
        max_row, max_col = self.extents[sheet]
        cells = self.values[sheet]
        r2, c2 = min(area.r2, max_row), min(area.c2, max_col)
        h, w = area.height, area.width
        if r2 < area.r1 or c2 < area.c1:
            arr = Arr([], h, w)
        elif (r2 - area.r1 + 1) * (c2 - area.c1 + 1) <= max(4 * len(cells), _DENSE_MIN):
            get = cells.get
            cols = range(area.c1, c2 + 1)
            rows = [[get((r, c)) for c in cols] for r in range(area.r1, r2 + 1)]
            arr = Arr(rows, h, w)
        else:
            r1, c1 = area.r1, area.c1
            inside = {(r - r1, c - c1): v for (r, c), v in cells.items() if r1 <= r <= r2 and c1 <= c <= c2}
            arr = Arr(None, h, w, cells=inside)
        if self.caching:
            self._arrays[key] = arr
        return arr

    def match_index(self, area: Area) -> dict | None:
        """{key: first position} for exact MATCH in a one-row or one-column area (None: 2-D)."""
        key = area.key()
        if key in self._indexes and self.caching:
            return self._indexes[key]
        arr = self.array(area)
        line = arr.line() if arr.height == 1 or arr.width == 1 else None
        found = exact_index(line) if line is not None else None
        if self.caching:
            self._indexes[key] = found
        return found


def _area_of(book: Book, ref: Ref, dr: int, dc: int) -> Any:
    box = ref.area.shifted(dr, dc)
    if box is None:
        return REF
    return book.area(ref.sheet, *box)


def _fast(op: str, a: list | Any, b: list | Any, slow: Any) -> list[Any]:
    """The arithmetic operator ``op`` on two columns, inline for numbers (inf and NaN are
    ``#NUM!``), through ``slow`` (Excel's full rules) for anything else."""
    if op == "+":
        return [
            (r if (r := x + y) - r == 0 else NUM) if type(x) is float and type(y) is float else slow(x, y)
            for x, y in zip(a, b, strict=False)
        ]
    if op == "-":
        return [
            (r if (r := x - y) - r == 0 else NUM) if type(x) is float and type(y) is float else slow(x, y)
            for x, y in zip(a, b, strict=False)
        ]
    if op == "*":
        return [
            (r if (r := x * y) - r == 0 else NUM) if type(x) is float and type(y) is float else slow(x, y)
            for x, y in zip(a, b, strict=False)
        ]
    return [
        (r if (r := x / y) - r == 0 else NUM) if type(x) is float and type(y) is float and y else slow(x, y)
        for x, y in zip(a, b, strict=False)
    ]


class Group:
    """Copies of one template, at ``cells`` (sheet, row, column), evaluated together."""

    def __init__(self, book: Book, template: Template, cells: list[tuple[int, int]]) -> None:
        self.book = book
        self.template = template
        self.cells = cells
        self.n = len(cells)
        self.drs = [r - template.row for r, _ in cells]
        self.dcs = [c - template.col for _, c in cells]

    def run(self) -> list[Any]:
        kind, value = self._execute()
        if kind == SHARED:
            return [scalar(value)] * self.n
        return [scalar(v) for v in value]

    def _execute(self) -> tuple[int, Any]:
        stack: list[tuple[int, Any]] = []
        push = stack.append
        for step in self.template.code:
            op = step[0]
            if op == CONST:
                push((SHARED, step[1]))
            elif op == REFERENCE:
                push(self._ref(step[1]))
            else:
                fn, nargs = step[1], step[2]
                args = stack[len(stack) - nargs :] if nargs else []
                if nargs:
                    del stack[-nargs:]
                if fn.cell:
                    args.insert(0, self._cells())
                push(self._call(fn, args))
        return stack[-1]

    def _cells(self) -> tuple[int, Any]:
        t, book = self.template, self.book
        if self.n == 1:
            r, c = self.cells[0]
            return SHARED, book.area(t.sheet, r, c, r, c)
        return EACH, [Area(book, t.sheet, r, c, r, c) for r, c in self.cells]

    def _ref(self, ref: Ref) -> tuple[int, Any]:
        book = self.book
        area = ref.area
        if area.fixed or self.n == 1:
            dr, dc = self.drs[0], self.dcs[0]
            if ref.value:
                box = area.shifted(dr, dc)
                return SHARED, (REF if box is None else book.values[ref.sheet].get((box[0], box[1])))
            return SHARED, _area_of(book, ref, dr, dc)
        if ref.value:
            get = book.values[ref.sheet].get
            r0, c0 = area.r1, area.c1
            if area.c1_abs or not any(self.dcs):
                col = c0 if area.c1_abs else c0 + self.dcs[0]
                if area.r1_abs:
                    return SHARED, get((r0, col))
                rows = [r0 + dr for dr in self.drs]
                if rows[0] >= 1 and min(rows) >= 1:
                    return EACH, [get((r, col)) for r in rows]
            boxes = [area.shifted(dr, dc) for dr, dc in zip(self.drs, self.dcs, strict=True)]
            return EACH, [REF if b is None else get((b[0], b[1])) for b in boxes]
        return EACH, [_area_of(book, ref, dr, dc) for dr, dc in zip(self.drs, self.dcs, strict=True)]

    def _call(self, fn: Any, args: list[tuple[int, Any]]) -> tuple[int, Any]:
        call = fn.call
        if all(k == SHARED for k, _ in args):
            return SHARED, call(*[v for _, v in args])
        columns = [v if k == EACH else repeat(v, self.n) for k, v in args]
        if fn.fast and len(columns) == 2:
            return EACH, _fast(fn.fast, columns[0], columns[1], call)
        return EACH, list(map(call, *columns))
