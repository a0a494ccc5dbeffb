"""A1 references as areas with their relative/absolute ``$`` markers (ECMA-376 Part 1 §18.17.2.1),
shifted for a copy of the formula, and written back as A1 text or as an R1C1 key.

Copies of a formula down a column (``=B4*C4``, ``=B5*C5``, ...) are one formula in R1C1 notation:
the compiler keys formulas by their R1C1 text, so copies share one compiled template.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .cellref import MAX_COL, MAX_ROW, column_index, column_letters

_CELLS = re.compile(r"(\$?)([A-Za-z]{1,3})(\$?)([0-9]+)(?::(\$?)([A-Za-z]{1,3})(\$?)([0-9]+))?")
_COLUMNS = re.compile(r"(\$?)([A-Za-z]{1,3}):(\$?)([A-Za-z]{1,3})")
_ROWS = re.compile(r"(\$?)([0-9]+):(\$?)([0-9]+)")


@dataclass(frozen=True, slots=True)
class Area:
    """A rectangle at the formula's anchor cell with, per edge, whether it is absolute ($)."""

    r1: int
    c1: int
    r2: int
    c2: int
    r1_abs: bool
    c1_abs: bool
    r2_abs: bool
    c2_abs: bool

    @property
    def fixed(self) -> bool:
        return self.r1_abs and self.c1_abs and self.r2_abs and self.c2_abs

    def shifted(self, dr: int, dc: int) -> tuple[int, int, int, int] | None:
        """(r1, c1, r2, c2) for a copy ``dr`` rows and ``dc`` columns away; None if off the sheet."""
        r1 = self.r1 if self.r1_abs else self.r1 + dr
        r2 = self.r2 if self.r2_abs else self.r2 + dr
        c1 = self.c1 if self.c1_abs else self.c1 + dc
        c2 = self.c2 if self.c2_abs else self.c2 + dc
        if r1 < 1 or c1 < 1 or r2 > MAX_ROW or c2 > MAX_COL:
            return None
        return r1, c1, r2, c2

    @property
    def whole_columns(self) -> bool:
        return self.r1 == 1 and self.r2 == MAX_ROW

    @property
    def whole_rows(self) -> bool:
        return self.c1 == 1 and self.c2 == MAX_COL

    def r1c1(self, row: int, col: int) -> str:
        """The area as R1C1 text relative to (row, col): equal for every copy of a formula."""

        def edge(n: int, absolute: bool, base: int, axis: str) -> str:
            return f"{axis}{n}" if absolute else f"{axis}[{n - base}]"

        return (
            edge(self.r1, self.r1_abs, row, "R")
            + edge(self.c1, self.c1_abs, col, "C")
            + ":"
            + edge(self.r2, self.r2_abs, row, "R")
            + edge(self.c2, self.c2_abs, col, "C")
        )

    def a1(self, dr: int = 0) -> str:
        """The A1 text of the area moved ``dr`` rows (as written in a copy ``dr`` rows below)."""
        r1 = self.r1 if self.r1_abs else self.r1 + dr
        r2 = self.r2 if self.r2_abs else self.r2 + dr
        c1 = ("$" if self.c1_abs else "") + column_letters(self.c1)
        c2 = ("$" if self.c2_abs else "") + column_letters(self.c2)
        if self.whole_columns:
            return f"{c1}:{c2}"
        first = f"{c1}{'$' if self.r1_abs else ''}{r1}"
        if self.whole_rows:
            return f"{'$' if self.r1_abs else ''}{r1}:{'$' if self.r2_abs else ''}{r2}"
        if (self.r1, self.c1) == (self.r2, self.c2):
            return first
        return f"{first}:{c2}{'$' if self.r2_abs else ''}{r2}"


def parse_area(ref: str) -> tuple[Area, tuple[int, ...]] | None:
    """The area of reference text ``ref`` (``$B$2:C5``, ``B:B``, ``2:2``) and the offsets in
    ``ref`` where full cell addresses start; None if ``ref`` is not an A1 reference."""
    m = _CELLS.fullmatch(ref)
    if m:
        a1, c1, b1, r1 = m.group(1, 2, 3, 4)
        a2, c2, b2, r2 = m.group(5, 6, 7, 8) if m.group(6) else (a1, c1, b1, r1)
        starts = (m.start(1), m.start(5)) if m.group(6) else (m.start(1),)
        area = Area(
            int(r1), column_index(c1), int(r2), column_index(c2), bool(b1), bool(a1), bool(b2), bool(a2)
        )
        return _ordered(area), starts
    m = _COLUMNS.fullmatch(ref)
    if m:
        area = Area(
            1,
            column_index(m.group(2)),
            MAX_ROW,
            column_index(m.group(4)),
            True,
            bool(m.group(1)),
            True,
            bool(m.group(3)),
        )
        return _ordered(area), ()
    m = _ROWS.fullmatch(ref)
    if m:
        area = Area(
            int(m.group(2)), 1, int(m.group(4)), MAX_COL, bool(m.group(1)), True, bool(m.group(3)), True
        )
        return _ordered(area), ()
    return None


def _ordered(a: Area) -> Area:
    """``C5:B2`` is the same area as ``B2:C5``."""
    if a.r1 > a.r2:
        a = Area(a.r2, a.c1, a.r1, a.c2, a.r2_abs, a.c1_abs, a.r1_abs, a.c2_abs)
    if a.c1 > a.c2:
        a = Area(a.r1, a.c2, a.r2, a.c1, a.r1_abs, a.c2_abs, a.r2_abs, a.c1_abs)
    return a
