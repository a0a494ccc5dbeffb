"""A1 cell addresses: column letters <-> numbers, and ``"Sheet!B7"`` text for messages."""

from __future__ import annotations

import re
from functools import cache

MAX_ROW = 1_048_576
MAX_COL = 16_384
_ADDRESS = re.compile(r"\$?([A-Za-z]{1,3})\$?([0-9]+)")


@cache
def column_index(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + (ord(ch) - 64)
    return n


@cache
def column_letters(index: int) -> str:
    letters = ""
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def parse_address(text: str) -> tuple[int, int] | None:
    """``"B7"`` -> (row 7, column 2); None when ``text`` is not a cell address."""
    m = _ADDRESS.fullmatch(text)
    if not m:
        return None
    return int(m.group(2)), column_index(m.group(1))


def address(row: int, col: int) -> str:
    return f"{column_letters(col)}{row}"


def quote_sheet(name: str) -> str:
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*", name) and not parse_address(name):
        return name
    return "'" + name.replace("'", "''") + "'"


def label(sheet: str, row: int, col: int) -> str:
    """``Sheet!B7`` as Excel would write it in a formula."""
    return f"{quote_sheet(sheet)}!{address(row, col)}"
