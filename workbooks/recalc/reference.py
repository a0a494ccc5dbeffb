"""``formulas`` ``Ranges`` references built from numbers, without parsing reference text.

``Ranges().push("SHEET!B2:C5", values)`` parses the text with a regular expression (about 20 µs);
a recompute makes tens of thousands of references, so this builds the same range record
(``formulas.ranges.Ranges.get_range``'s output: 1-based ``n1``/``n2`` columns, ``r1``/``r2`` rows as
text, the upper-case ``sheet_id``, quoted when it holds a space) directly.
"""

from __future__ import annotations

from typing import Any

from formulas.ranges import Ranges

from .cellref import address, column_letters


def sheet_id(name: str) -> str:
    """How ``formulas`` names a sheet inside its references."""
    upper = name.upper()
    return f"'{upper}'" if " " in upper else upper


def make(sheet: str, r1: int, c1: int, r2: int, c2: int, values: Any = None) -> Ranges:
    """The reference ``sheet!r1c1:r2c2`` (``sheet`` as ``sheet_id`` gives it) holding ``values``."""
    single = r1 == r2 and c1 == c2
    ref = address(r1, c1) if single else f"{address(r1, c1)}:{address(r2, c2)}"
    rng = {
        "r1": str(r1),
        "r2": str(r2),
        "c1": column_letters(c1),
        "c2": column_letters(c2),
        "n1": c1,
        "n2": c2,
        "ref": ref,
        "name": f"{sheet}!{ref}" if sheet else ref,
        "sheet_id": sheet,
    }
    if values is None:
        return Ranges((rng,))
    return Ranges().set_value(rng, values)
