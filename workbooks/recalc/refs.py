"""References in formula text: the row/column-relative key that groups copies of one formula, and
the anchors of a reference token that ``formulas`` has already recognised.

Copies of a formula down a column (``=B4*C4``, ``=B5*C5``, ...) are one formula in R1C1 notation
(ECMA-376 Part 1 §18.17.2.1 describes the relative/absolute ``$`` markers). The key replaces each
A1 cell address outside string literals and quoted sheet names with its offset from the formula's
cell (or its absolute position when marked with ``$``). The compiler checks, per formula, that
these addresses are exactly the cell addresses of the ``formulas`` parser's reference tokens, and
only then shares the compiled formula across the copies.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .cellref import MAX_COL, MAX_ROW, column_index

_KEY = re.compile(
    r'"(?:[^"]|"")*"'  # string literal: kept verbatim
    r"|'(?:[^']|'')*'"  # quoted sheet name: kept verbatim
    r"|(?<![A-Za-z0-9_.$\\])(\$?)([A-Z]{1,3})(\$?)([0-9]{1,7})(?![A-Za-z0-9_.(!\\\[])"
)
_CELLS = re.compile(r"(\$?)([A-Za-z]{1,3})(\$?)([0-9]+)(?::(\$?)([A-Za-z]{1,3})(\$?)([0-9]+))?")
_COLUMNS = re.compile(r"(\$?)([A-Za-z]{1,3}):(\$?)([A-Za-z]{1,3})")
_ROWS = re.compile(r"(\$?)([0-9]+):(\$?)([0-9]+)")


def relative_key(text: str, row: int, col: int) -> tuple[str, frozenset[int]]:
    """(key, start offsets of the cell addresses it replaced) for formula ``text`` at (row, col)."""
    starts: list[int] = []
    parts: list[str] = []
    pos = 0
    for m in _KEY.finditer(text):
        c_abs, letters, r_abs, digits = m.groups()
        if letters is None:
            continue
        start = m.start()
        starts.append(start)
        c = column_index(letters)
        r = int(digits)
        parts.append(text[pos:start])
        parts.append(f"\x00R{r}" if r_abs else f"\x00R[{r - row}]")
        parts.append(f"C{c}\x00" if c_abs else f"C[{c - col}]\x00")
        pos = m.end()
    parts.append(text[pos:])
    return "".join(parts), frozenset(starts)


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
