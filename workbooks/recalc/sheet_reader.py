"""One worksheet part, streamed: constant cells by position, formula cells with their byte spans.

Cell XML per ECMA-376 Part 1 §18.3.1.4 (``<c r s t>`` with ``<f>``, ``<v>``, ``<is>``). Values are
what Excel holds: numbers as floats, shared/inline strings, booleans, error values. A formula cell
records where its ``<c>``, ``<f>``, ``<v>`` and ``<is>`` elements sit in the part, so the writer
can replace only its cached value and copy every other byte.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from formulas.tokens.operand import Error

from . import arrays, limits
from .cellref import MAX_COL, MAX_ROW, parse_address
from .errors import UnusableWorkbookError
from .package import Package
from .workbook_xml import Sheet, parse_part, unescape

EXCEL_EPOCH = dt.datetime(1899, 12, 30)


@dataclass(slots=True)
class FormulaCell:
    """A formula cell. ``text`` is None for a shared-formula dependent (it uses its master's text)."""

    row: int
    col: int
    text: str | None
    kind: str  # "normal" | "shared" | "array" | "dataTable"; "spill": a value cell of an array range
    shared_index: int | None
    ref: str | None  # the ``ref`` attribute of a shared master or an array formula
    # byte offsets in the part: <c> start, </c> (or end) event, <f>, <v>, <is> start/end events
    spans: list[int] = field(default_factory=list)


@dataclass(slots=True)
class SheetCells:
    sheet: Sheet
    values: dict[tuple[int, int], Any]
    formulas: list[FormulaCell]
    max_row: int = 0
    max_col: int = 0
    # the cells of multi-cell array formulas' ranges other than the formula's own (``arrays``)
    spills: list[FormulaCell] = field(default_factory=list)
    areas: list[tuple[int, int, int, int]] = field(default_factory=list)


def constant(kind: str, text: str, shared: tuple[str, ...]) -> Any:
    """The value of a non-formula cell of type ``kind`` whose ``<v>`` (or inline) text is ``text``."""
    if kind == "n":
        return float(text)
    if kind == "s":
        return shared[int(text)]
    if kind == "b":
        return text.strip() in ("1", "true")
    if kind == "e":
        return Error.errors.get(text.strip(), text.strip())
    if kind == "d":
        return (dt.datetime.fromisoformat(text.strip()) - EXCEL_EPOCH) / dt.timedelta(days=1)
    return unescape(text)  # "str", "inlineStr"


class _Reader:
    """Expat handlers for one worksheet part."""

    def __init__(self, sheet: Sheet, shared: tuple[str, ...], budget: list[int]) -> None:
        self.cells = SheetCells(sheet, {}, [])
        self.shared = shared
        self.budget = budget  # [cells left], shared across sheets
        self.parser = None
        self.row = 0
        self.col = 0
        self.kind = "n"
        self.text: list[str] | None = None  # collecting <v>/<t> text when not None
        self.value: str | None = None
        self.inline: list[str] | None = None
        self.phonetic = 0
        self.formula: FormulaCell | None = None
        self.f_text: list[str] | None = None

    def bind(self, parser: Any) -> None:
        self.parser = parser

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        name = tag if ":" not in tag else tag.rpartition(":")[2]
        if name == "c":
            ref = attrs.get("r")
            pos = parse_address(ref) if ref else None
            if pos:
                self.row, self.col = pos
            else:
                self.col += 1
            self.kind = attrs.get("t", "n")
            self.value = None
            self.inline = None
            self.formula = None
            self.c_start = self.parser.CurrentByteIndex
            if self.cells.areas and self._in_area():  # the formula's result goes here
                self.formula = FormulaCell(self.row, self.col, None, "spill", None, None)
                self.formula.spans = [self.c_start, 0, -1, -1, -1, -1, -1, -1]
        elif name == "v":
            self.text = []
            self.v_start = self.parser.CurrentByteIndex
        elif name == "f":
            kind = attrs.get("t", "normal")
            si = attrs.get("si")
            self.formula = FormulaCell(
                self.row, self.col, None, kind, int(si) if si is not None else None, attrs.get("ref")
            )
            self.formula.spans = [self.c_start, 0, self.parser.CurrentByteIndex, 0, -1, -1, -1, -1]
            self.f_text = []
        elif name == "row":
            r = attrs.get("r")
            self.row = int(r) if r else self.row + 1
            self.col = 0
        elif name == "is":
            self.inline = []
            self.is_start = self.parser.CurrentByteIndex
        elif name == "rPh":
            self.phonetic += 1
        elif name == "t" and self.inline is not None and not self.phonetic:
            self.text = []

    def end(self, tag: str) -> None:
        name = tag if ":" not in tag else tag.rpartition(":")[2]
        if name == "v":
            self.value = "".join(self.text)
            self.text = None
            if self.formula:
                self.formula.spans[4:6] = [self.v_start, self.parser.CurrentByteIndex]
        elif name == "f":
            text = "".join(self.f_text)
            self.formula.text = unescape(text) if text.strip() else None
            self.formula.spans[3] = self.parser.CurrentByteIndex
            self.f_text = None
        elif name == "c":
            self._finish_cell()
        elif name == "t" and self.inline is not None and self.text is not None:
            self.inline.append("".join(self.text))
            self.text = None
        elif name == "is":
            if self.formula:
                self.formula.spans[6:8] = [self.is_start, self.parser.CurrentByteIndex]
            self.value = "".join(self.inline)
            self.kind = "inlineStr"
        elif name == "rPh":
            self.phonetic -= 1

    def _in_area(self) -> bool:
        row, col = self.row, self.col
        return any(
            r1 <= row <= r2 and c1 <= col <= c2 and (row, col) != (r1, c1)
            for r1, c1, r2, c2 in self.cells.areas
        )

    def chars(self, data: str) -> None:
        if self.f_text is not None:
            self.f_text.append(data)
        elif self.text is not None:
            self.text.append(data)

    def _finish_cell(self) -> None:
        cells = self.cells
        formula = self.formula
        if formula is None and self.value is None:
            return  # a styled empty cell
        self.budget[0] -= 1
        if self.budget[0] < 0:
            raise _TooManyCells
        if not (0 < self.row <= MAX_ROW and 0 < self.col <= MAX_COL):
            raise _BadCell(self.row, self.col, self.kind, self.value)
        if self.row > cells.max_row:
            cells.max_row = self.row
        if self.col > cells.max_col:
            cells.max_col = self.col
        if formula is not None:
            formula.spans[1] = self.parser.CurrentByteIndex
            self.formula = None
            if formula.kind == "spill":
                cells.spills.append(formula)
                return
            cells.formulas.append(formula)
            if formula.kind == "array" and (spill := arrays.area(formula.ref)):
                cells.areas.append(spill)
            return
        try:
            cells.values[self.row, self.col] = constant(self.kind, self.value, self.shared)
        except (ValueError, IndexError):
            raise _BadCell(self.row, self.col, self.kind, self.value) from None


class _TooManyCells(Exception):
    pass


class _BadCell(Exception):
    pass


def read_sheet(pkg: Package, sheet: Sheet, shared: tuple[str, ...], budget: list[int]) -> SheetCells:
    """Cells of ``sheet`` (``budget[0]`` is the number of cells still allowed; it is decremented)."""
    reader = _Reader(sheet, shared, budget)
    try:
        parse_part(pkg, sheet.part, reader.start, reader.end, reader.chars, bind=reader.bind)
    except UnusableWorkbookError:
        raise
    except (ValueError, TypeError, AttributeError, IndexError) as exc:  # e.g. <row r="x">
        problem = f"{type(exc).__name__}: {exc}"
        raise pkg.unusable(f"part {sheet.part} does not hold valid cells ({problem})") from None
    except _TooManyCells:
        raise pkg.unusable(
            f"more than {limits.MAX_CELLS:,} cells; the headless recompute stops there"
        ) from None
    except _BadCell as exc:
        row, col, kind, value = exc.args
        raise pkg.unusable(
            f"sheet {sheet.name!r} ({sheet.part}): the cell at row {row}, column {col} (type {kind!r}, value "
            f"{value!r}) is not valid"
        ) from None
    return reader.cells


def read_sheets(pkg: Package, sheets: tuple[Sheet, ...], shared: tuple[str, ...]) -> list[SheetCells]:
    budget = [limits.MAX_CELLS]
    return [read_sheet(pkg, s, shared, budget) if s.part else SheetCells(s, {}, []) for s in sheets]
