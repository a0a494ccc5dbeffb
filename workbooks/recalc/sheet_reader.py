"""One worksheet part: constant cells by position, formula cells with their byte spans.

Cell XML per ECMA-376 Part 1 §18.3.1.4 (``<c r s t>`` with ``<f>``, ``<v>``, ``<is>``). Values are
what Excel holds: numbers as floats, shared/inline strings, booleans, error values. A formula cell
records where its ``<c>``, ``<f>``, ``<v>`` and ``<is>`` elements sit in the (UTF-8) part, so the
writer replaces only its cached value and copies every other byte.

Cells as Excel, LibreOffice and openpyxl write them (``<c r="B7" s="3" t="s"><v>12</v></c>``,
``<c r="C7"><f>B7*2</f><v>24</v></c>``, inline strings) are read by one regular expression; any
other cell (namespace prefixes, rich text, extensions, attributes in another order) goes through
the standard library's expat parser, and a part with comments, CDATA or processing instructions
in its cells is read by expat entirely. Both give the same cells (tested).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any
from xml.parsers import expat

from . import limits, spills, xmlsafe, xmltext
from .cellref import MAX_COL, MAX_ROW, column_index, parse_address
from .errors import UnusableWorkbookError
from .package import Package
from .values import error
from .workbook_xml import Sheet, unescape

EXCEL_EPOCH = dt.datetime(1899, 12, 30)

_CELL = re.compile(
    rb'<c r="([A-Z]{1,3})([0-9]{1,7})"(?: s="[0-9]+")?(?: t="([a-zA-Z]+)")?'
    rb"(?: ?/>|>"
    rb"(<f(?: [a-zA-Z]+=\"[^\"<>]*\")*(?:/>|>([^<]*)</f>))?"
    rb"(<v(?:>([^<]*)</v>| ?/>))?"
    rb'(<is><t(?: xml:space="preserve")?>([^<]*)</t></is>)?'
    rb"</c>)"
    rb"|<(?:[\w.-]+:)?c[\s/>]"
)
_F_ATTR = re.compile(rb'([a-zA-Z]+)="([^"]*)"')
_ANY_ATTR = rb"""(?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*\s*"""
_START_TAG = re.compile(rb"<(?:[\w.-]+:)?[\w.-]+" + _ANY_ATTR + rb"/?>")
_CELL_ELEMENT = re.compile(rb"<((?:[\w.-]+:)?c)(?=[\s/>])" + _ANY_ATTR + rb"(?:/>|>.*?</\1\s*>)", re.S)
_UNUSUAL = re.compile(rb"<!--|<!\[CDATA\[|<\?|<!DOCTYPE|<!ENTITY")
_BAD_ROW = re.compile(rb'<row\b(?:[^>"]|"[^"]*")*?\sr="(?![0-9]{1,7}")')
_ENTITY = re.compile(r"&(#x[0-9A-Fa-f]+|#[0-9]+|amp|lt|gt|quot|apos);")
_NAMED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}


@dataclass(slots=True)
class FormulaCell:
    """A formula cell. ``text`` is None for a shared-formula dependent (it uses its master's text)."""

    row: int
    col: int
    text: str | None
    kind: str  # "normal" | "shared" | "array" | "dataTable"
    shared_index: int | None
    ref: str | None  # the ``ref`` attribute of a shared master or an array formula
    # byte offsets in the UTF-8 part (ends exclusive, -1 when absent): <c> start, end of its start
    # tag, </c> end; <f> start and end; <v> start and end; <is> start and end
    spans: list[int] = field(default_factory=list)


@dataclass(slots=True)
class SheetCells:
    sheet: Sheet
    values: dict[tuple[int, int], Any]
    formulas: list[FormulaCell]
    max_row: int = 0
    max_col: int = 0
    data: bytes = b""  # the part as UTF-8, for the writer
    encoding: xmltext.Encoding = xmltext.UTF8
    # the cells of multi-cell array formulas' ranges other than the formula's own (``spills``)
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
        return error(text)
    if kind == "d":
        return (dt.datetime.fromisoformat(text.strip()) - EXCEL_EPOCH) / dt.timedelta(days=1)
    return unescape(text)  # "str", "inlineStr"


def xml_text(raw: bytes) -> str:
    """Element text as an XML parser reports it: line ends normalised, entities replaced."""
    text = raw.decode("utf-8", "surrogatepass")
    if b"&" not in raw and b"\r" not in raw:
        return text
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "&" in text:
        if text.count("&") != len(_ENTITY.findall(text)):
            raise ValueError("an undefined entity")
        text = _ENTITY.sub(_entity, text)
    return text


def _entity(m: re.Match[str]) -> str:
    name = m.group(1)
    if name.startswith("#x"):
        return chr(int(name[2:], 16))
    if name.startswith("#"):
        return chr(int(name[1:]))
    return _NAMED[name]


class _Cells:
    """Cells collected from a part, whichever way they were read."""

    def __init__(self, sheet: Sheet, shared: tuple[str, ...], budget: list[int]) -> None:
        self.out = SheetCells(sheet, {}, [])
        self.shared = shared
        self.budget = budget

    def in_area(self, row: int, col: int) -> bool:
        """Whether (row, col) is a cell of an array formula's range other than its own."""
        areas = self.out.areas
        return any(r1 <= row <= r2 and c1 <= col <= c2 and (row, col) != (r1, c1) for r1, c1, r2, c2 in areas)

    def add(
        self,
        row: int,
        col: int,
        kind: str,
        value: str | None,
        formula: FormulaCell | None,
        spans: list[int] | None = None,
    ) -> None:
        if formula is not None and formula.kind == "spill":
            self.out.spills.append(formula)
            return
        if formula is None and self.out.areas and spans is not None and self.in_area(row, col):
            spill = FormulaCell(row, col, None, "spill", None, None, spans)
            self.out.spills.append(spill)
            return
        if formula is None and value is None:
            return  # a styled empty cell
        self.budget[0] -= 1
        if self.budget[0] < 0:
            raise _TooManyCells
        if not (0 < row <= MAX_ROW and 0 < col <= MAX_COL):
            raise _BadCell(row, col, kind, value)
        out = self.out
        if row > out.max_row:
            out.max_row = row
        if col > out.max_col:
            out.max_col = col
        if formula is not None:
            out.formulas.append(formula)
            if formula.kind == "array" and (box := spills.area(formula.ref)):
                out.areas.append(box)
            return
        try:
            out.values[row, col] = constant(kind, value or "", self.shared)
        except (ValueError, IndexError, OverflowError):
            raise _BadCell(row, col, kind, value) from None


def _formula(row: int, col: int, element: bytes, text: bytes | None) -> FormulaCell:
    if element.startswith(b"<f>"):
        attrs: dict[str, str] = {}
    else:
        attrs = {k.decode(): xml_text(v) for k, v in _F_ATTR.findall(element[2 : element.find(b">")])}
    si = attrs.get("si")
    body = xml_text(text) if text is not None else ""
    return FormulaCell(
        row,
        col,
        unescape(body) if body.strip() else None,
        attrs.get("t", "normal"),
        int(si) if si is not None else None,
        attrs.get("ref"),
    )


def _slow_cell(data: bytes, start: int, cells: _Cells) -> None:
    m = _CELL_ELEMENT.match(data, start)
    if m is None:
        raise ValueError(f"a cell element at byte {start} is not well-formed")
    reader = _Reader(cells, base=start)
    p = xmlsafe.parser()
    reader.bind(p)
    p.StartElementHandler, p.EndElementHandler = reader.start, reader.end
    p.CharacterDataHandler = reader.chars
    p.Parse(m.group(0), True)
    if reader.row == 0:  # a cell without its address: its position comes from the ones before it
        raise _NeedsWholePart
    reader.finish(data)


class _Reader:
    """Expat handlers for cells (a whole part, or one cell element at byte ``base``)."""

    def __init__(self, cells: _Cells, base: int = 0) -> None:
        self.cells = cells
        self.base = base
        self.parser: Any = None
        self.row = 0
        self.col = 0
        self.kind = "n"
        self.text: list[str] | None = None
        self.value: str | None = None
        self.inline: list[str] | None = None
        self.phonetic = 0
        self.formula: FormulaCell | None = None
        self.f_text: list[str] | None = None
        self.pending: list[FormulaCell] = []  # spans hold end events until ``finish``
        self.c_start = self.v_start = self.is_start = 0

    def bind(self, parser: Any) -> None:
        self.parser = parser

    def _at(self) -> int:
        return self.base + self.parser.CurrentByteIndex

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        name = xmlsafe.local(tag)
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
            self.c_start = self._at()
            if self.cells.out.areas and self.cells.in_area(self.row, self.col):  # the result goes here
                self.formula = FormulaCell(self.row, self.col, None, "spill", None, None)
                self.formula.spans = [self.c_start, -1, -1, -1, -1, -1, -1, -1, -1]
        elif name == "v":
            self.text = []
            self.v_start = self._at()
        elif name == "f":
            kind = attrs.get("t", "normal")
            si = attrs.get("si")
            self.formula = FormulaCell(
                self.row, self.col, None, kind, int(si) if si is not None else None, attrs.get("ref")
            )
            self.formula.spans = [self.c_start, -1, -1, self._at(), -1, -1, -1, -1, -1]
            self.f_text = []
        elif name == "row":
            r = attrs.get("r")
            self.row = int(r) if r else self.row + 1
            self.col = 0
        elif name == "is":
            self.inline = []
            self.is_start = self._at()
        elif name == "rPh":
            self.phonetic += 1
        elif name == "t" and self.inline is not None and not self.phonetic:
            self.text = []

    def end(self, tag: str) -> None:
        name = xmlsafe.local(tag)
        if name == "v":
            self.value = "".join(self.text or ())
            self.text = None
            if self.formula:
                self.formula.spans[5:7] = [self.v_start, self._at()]
        elif name == "f" and self.formula is not None:
            text = "".join(self.f_text or ())
            self.formula.text = unescape(text) if text.strip() else None
            self.formula.spans[4] = self._at()
            self.f_text = None
        elif name == "c":
            if self.formula is not None:
                self.formula.spans[2] = self._at()
                self.pending.append(self.formula)
            self.cells.add(self.row, self.col, self.kind, self.value, self.formula)
            self.formula = None
        elif name == "t" and self.inline is not None and self.text is not None:
            self.inline.append("".join(self.text))
            self.text = None
        elif name == "is":
            if self.formula:
                self.formula.spans[7:9] = [self.is_start, self._at()]
            self.value = "".join(self.inline or ())
            self.kind = "inlineStr"
        elif name == "rPh":
            self.phonetic -= 1

    def chars(self, data: str) -> None:
        if self.f_text is not None:
            self.f_text.append(data)
        elif self.text is not None:
            self.text.append(data)

    def finish(self, data: bytes) -> None:
        """Turn the end events expat reported into element ends (exclusive byte offsets)."""
        for f in self.pending:
            s = f.spans
            s[1] = _START_TAG.match(data, s[0]).end()  # type: ignore[union-attr]
            for start, end in ((0, 2), (3, 4), (5, 6), (7, 8)):
                if s[start] >= 0 and s[end] >= 0:
                    s[end] = _element_end(data, s[start], s[end])
        self.pending.clear()


def _element_end(data: bytes, start: int, end_event: int) -> int:
    """Where the element starting at ``start`` ends: expat reports the end event at its end tag
    (or, for an empty element, at its start)."""
    tag = _START_TAG.match(data, start)
    assert tag is not None
    if data[tag.end() - 2 : tag.end()] == b"/>":
        return tag.end()
    return data.index(b">", end_event) + 1


class _TooManyCells(Exception):
    pass


class _NeedsWholePart(Exception):
    pass


class _BadCell(Exception):
    pass


def _sheet_data(data: bytes) -> tuple[int, int]:
    start = data.find(b"<sheetData")
    end = data.rfind(b"</sheetData>")
    return (start, end) if 0 <= start < end else (0, len(data))


def read_sheet(pkg: Package, sheet: Sheet, shared: tuple[str, ...], budget: list[int]) -> SheetCells:
    """Cells of ``sheet`` (``budget[0]`` is the number of cells still allowed; it is decremented)."""
    assert sheet.part is not None
    cells = _Cells(sheet, shared, budget)
    try:
        data, encoding = xmltext.decode(pkg.read(sheet.part))
        cells.out.data, cells.out.encoding = data, encoding
        start, end = _sheet_data(data)
        hostile = b"<!DOCTYPE" in data or b"<!ENTITY" in data
        if not hostile and _UNUSUAL.search(data, start, end) is None:
            if _BAD_ROW.search(data, start, end):
                raise ValueError("a <row> whose r attribute is not a row number")
            left = budget[0]
            try:
                _fast_range(data, start, end, cells)
            except _NeedsWholePart:
                budget[0] = left
                cells = _Cells(sheet, shared, budget)
                cells.out.data, cells.out.encoding = data, encoding
                _whole_part(data, cells)
        else:
            _whole_part(data, cells)
    except UnusableWorkbookError:
        raise
    except xmltext.EncodingProblem as exc:
        raise pkg.unusable(f"part {sheet.part} {exc}") from None
    except xmlsafe.HostileXml as exc:
        raise pkg.unusable(f"part {sheet.part} {exc}") from None
    except expat.ExpatError as exc:
        raise pkg.unusable(f"part {sheet.part} is not well-formed XML ({exc})") from None
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
    return cells.out


def _fast_range(data: bytes, start: int, end: int, cells: _Cells) -> None:
    """Read the cells between ``start`` and ``end`` with the regular expression, cell by cell
    through expat where a cell is not in the common form (offsets stay those of ``data``)."""
    add = cells.add
    columns: dict[bytes, int] = {}
    for m in _CELL.finditer(data, start, end):
        letters, digits, kind, f_element, f_text, v_element, v_text, is_element, is_text = m.groups()
        if letters is None:
            _slow_cell(data, m.start(), cells)
            continue
        col = columns.get(letters)
        if col is None:
            col = columns[letters] = column_index(letters.decode())
        row = int(digits)
        if f_element is not None:
            formula = _formula(row, col, f_element, f_text)
            c_start, c_end = m.span()
            f_start, f_end = m.span(4)
            v_start, v_end = m.span(6) if v_element is not None else (-1, -1)
            i_start, i_end = m.span(8) if is_element is not None else (-1, -1)
            formula.spans = [c_start, f_start, c_end, f_start, f_end, v_start, v_end, i_start, i_end]
            add(row, col, "n", None, formula)
        else:
            spans = None
            if cells.out.areas:  # maybe a cell of an array range: where its value sits
                c_start, c_end = m.span()
                v_start, v_end = m.span(6) if v_element is not None else (-1, -1)
                i_start, i_end = m.span(8) if is_element is not None else (-1, -1)
                open_end = data.index(b">", c_start) + 1  # the common form has no ">" in attributes
                spans = [c_start, open_end, c_end, -1, -1, v_start, v_end, i_start, i_end]
            if is_text is not None:
                add(row, col, "inlineStr", xml_text(is_text), None, spans)
            elif v_text is not None:
                add(row, col, kind.decode() if kind else "n", xml_text(v_text), None, spans)
            elif spans is not None:
                add(row, col, "n", None, None, spans)


def _whole_part(data: bytes, cells: _Cells) -> None:
    reader = _Reader(cells)
    p = xmlsafe.parser()
    reader.bind(p)
    p.StartElementHandler, p.EndElementHandler = reader.start, reader.end
    p.CharacterDataHandler = reader.chars
    p.Parse(data, True)
    reader.finish(data)


def read_sheets(pkg: Package, sheets: tuple[Sheet, ...], shared: tuple[str, ...]) -> list[SheetCells]:
    budget = [limits.MAX_CELLS]
    return [read_sheet(pkg, s, shared, budget) if s.part else SheetCells(s, {}, []) for s in sheets]
