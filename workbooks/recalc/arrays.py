"""Arrays and references, sized by their data rather than by their address.

An ``Arr`` has a declared shape (``height`` x ``width``, what ROWS and COLUMNS and Excel's array
rules see) but stores only the cells that can differ: a dense top-left block (``rows``) or, for a
sparse area, a dict of cells; every other cell holds ``tail``. ``=SUM(A:A)`` on a sheet with ten
rows reads ten cells; ``=SUMPRODUCT((A1:A1000000="")*1)`` computes the ten stored cells and one
tail value (1 for each of the 999,990 empty cells). An ``Area`` is a reference: a sheet and a box,
whose values are read when a function asks for them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from .values import BLANK, NA, REF, VALUE

MAX_DENSE = 20_000_000  # cells an array may materialise (a larger one is refused, not computed)


class TooLarge(Exception):
    """An array would materialise more than ``MAX_DENSE`` cells."""


class Arr:
    __slots__ = ("cells", "height", "index", "rows", "tail", "width")

    def __init__(
        self,
        rows: list[list[Any]] | None,
        height: int | None = None,
        width: int | None = None,
        tail: Any = BLANK,
        cells: dict[tuple[int, int], Any] | None = None,
    ) -> None:
        self.rows = rows
        self.cells = cells
        self.index: Any = None  # fn_ranges.equality_index, built on first use
        if rows is not None:
            height = len(rows) if height is None else height
            width = (len(rows[0]) if rows else 0) if width is None else width
        self.height = height or 0
        self.width = width or 0
        self.tail = tail

    @classmethod
    def of(cls, value: Any) -> Arr:
        """An array of one value (or the values of an Area)."""
        if isinstance(value, Arr):
            return value
        if isinstance(value, Area):
            return value.array()
        return cls([[value]])

    @property
    def size(self) -> int:
        return self.height * self.width

    def stored(self) -> int:
        if self.rows is not None:
            return sum(len(r) for r in self.rows)
        return len(self.cells or ())

    def get(self, i: int, j: int) -> Any:
        """The value at row ``i``, column ``j`` (0-based)."""
        if self.rows is not None:
            if i < len(self.rows):
                row = self.rows[i]
                if j < len(row):
                    return row[j]
            return self.tail
        return (self.cells or {}).get((i, j), self.tail)

    def first(self) -> Any:
        return self.get(0, 0) if self.height and self.width else VALUE

    def values(self) -> Iterator[Any]:
        """The stored values, row by row (the tail cells are counted by ``tail_count``)."""
        if self.rows is not None:
            for row in self.rows:
                yield from row
        else:
            cells = self.cells or {}
            for key in sorted(cells):
                yield cells[key]

    def tail_count(self) -> int:
        return self.size - self.stored()

    def all_values(self) -> Iterator[Any]:
        """Every value, tail cells included (for functions that must see each cell)."""
        if self.size > MAX_DENSE:
            raise TooLarge(self.size)
        for i in range(self.height):
            for j in range(self.width):
                yield self.get(i, j)

    def dense(self) -> list[list[Any]]:
        """Every cell as rows (refused above ``MAX_DENSE``)."""
        if self.size > MAX_DENSE:
            raise TooLarge(self.size)
        return [[self.get(i, j) for j in range(self.width)] for i in range(self.height)]

    def line(self) -> list[Any] | None:
        """A one-row or one-column array as a list (None for a 2-D array)."""
        if self.height == 1 or self.width == 1:
            return [v for row in self.dense() for v in row]
        return None

    def map(self, fn: Callable[[Any], Any]) -> Arr:
        tail = fn(self.tail) if self.tail_count() else self.tail
        if self.rows is not None:
            return Arr([[fn(v) for v in row] for row in self.rows], self.height, self.width, tail)
        cells = {k: fn(v) for k, v in (self.cells or {}).items()}
        return Arr(None, self.height, self.width, tail, cells)


def _extent(arrays: list[Arr]) -> tuple[int, int]:
    """Height and width of an element-wise result (Excel: a one-row or one-column operand is
    repeated; otherwise the larger size, with #N/A beyond the smaller operand)."""
    heights = [a.height for a in arrays if a.height != 1] or [1]
    widths = [a.width for a in arrays if a.width != 1] or [1]
    return max(heights), max(widths)


def _reach(arr: Arr, h: int, w: int) -> tuple[int, int]:
    """How far the cells of ``arr`` that can differ from its tail reach in an h x w result."""
    if arr.rows is None:
        return h, w
    rh = h if arr.height == 1 or arr.height != h else len(arr.rows)
    rw = w if arr.width == 1 or arr.width != w else max((len(r) for r in arr.rows), default=0)
    return min(rh, h), min(rw, w)


def _at(arr: Arr, i: int, j: int) -> Any:
    if arr.height == 1:
        i = 0
    elif i >= arr.height:
        return NA
    if arr.width == 1:
        j = 0
    elif j >= arr.width:
        return NA
    return arr.get(i, j)


def lift(fn: Callable[..., Any], args: tuple[Any, ...]) -> Arr:
    """``fn`` applied cell by cell where some arguments are arrays or references (the others are
    repeated): Excel's array evaluation of a one-value function or operator."""
    positions = [k for k, a in enumerate(args) if isinstance(a, Arr | Area)]
    if len(positions) == 1:
        k = positions[0]
        arr = Arr.of(args[k])
        before, after = args[:k], args[k + 1 :]
        return arr.map(lambda v: fn(*before, v, *after))
    arrays = [Arr.of(args[k]) for k in positions]
    h, w = _extent(arrays)
    reach = [_reach(a, h, w) for a in arrays]
    dh, dw = max(r[0] for r in reach), max(r[1] for r in reach)
    if dh * dw > MAX_DENSE:
        raise TooLarge(dh * dw)
    values = list(args)
    rows = []
    for i in range(dh):
        row = []
        for j in range(dw):
            for k, a in zip(positions, arrays, strict=True):
                values[k] = _at(a, i, j)
            row.append(fn(*values))
        rows.append(row)
    tail: Any = BLANK
    if dh * dw < h * w:
        for k, a in zip(positions, arrays, strict=True):
            values[k] = a.tail
        tail = fn(*values)
    return Arr(rows, h, w, tail)


class Area:
    """A reference to a box of cells on one sheet (1-based, inclusive), read through ``book``."""

    __slots__ = ("book", "c1", "c2", "r1", "r2", "sheet")

    def __init__(self, book: Any, sheet: int, r1: int, c1: int, r2: int, c2: int) -> None:
        self.book = book
        self.sheet = sheet
        self.r1, self.c1, self.r2, self.c2 = r1, c1, r2, c2

    @property
    def height(self) -> int:
        return self.r2 - self.r1 + 1

    @property
    def width(self) -> int:
        return self.c2 - self.c1 + 1

    @property
    def single(self) -> bool:
        return self.r1 == self.r2 and self.c1 == self.c2

    def key(self) -> tuple[int, int, int, int, int]:
        return (self.sheet, self.r1, self.c1, self.r2, self.c2)

    def value(self) -> Any:
        """The value of the top-left cell."""
        return self.book.values[self.sheet].get((self.r1, self.c1))

    def first(self) -> Any:
        return self.value()

    def array(self) -> Arr:
        return self.book.array(self)

    def sub(self, r1: int, c1: int, r2: int, c2: int) -> Area | Any:
        """The box at 1-based offsets inside this area (``#REF!`` beyond it)."""
        if r1 < 1 or c1 < 1 or r2 > self.height or c2 > self.width:
            return REF
        return Area(
            self.book, self.sheet, self.r1 + r1 - 1, self.c1 + c1 - 1, self.r1 + r2 - 1, self.c1 + c2 - 1
        )
