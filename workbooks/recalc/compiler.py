"""Formula text -> a ``Template`` (a postfix program of constants, references and calls),
compiled once per distinct formula.

Copies of a formula (filled down a column, or an Excel shared formula) are one formula in R1C1
terms; the template compiled at the first copy serves all of them, its relative references shifted
per copy. Finding the copies must not cost a parse per cell: each formula is first checked against
the text the previous template in its column would have at this row (``Template.predict``); only a
formula that differs is tokenised, keyed by its R1C1 text and, if new, compiled.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from . import library, parser
from .cellref import MAX_COL, MAX_ROW, column_letters
from .parser import Apply, Const, ParseError, Reference
from .refs import Area, parse_area
from .values import NAME, REF

CONST, REFERENCE, CALL = 0, 1, 2
MAX_NAME_DEPTH = 64


class CompileError(Exception):
    """A formula the recompute cannot evaluate; ``problem`` says why (for the exit-2 message)."""

    def __init__(self, problem: str, function: str = "") -> None:
        super().__init__(problem)
        self.problem = problem
        self.function = function


@dataclass(frozen=True, slots=True)
class Ref:
    sheet: int
    area: Area
    value: bool  # a single cell read as its value (else the evaluator passes an arrays.Area)

    @property
    def single(self) -> bool:
        a = self.area
        return a.r1 == a.r2 and a.c1 == a.c2


@dataclass(slots=True)
class Template:
    """A compiled formula at its anchor cell."""

    code: list[tuple[Any, ...]]
    sheet: int
    row: int
    col: int
    refs: list[Ref] = field(default_factory=list)
    per_cell: bool = False  # reads the calling cell (ROW(), COLUMN(), @)
    # ``INDEX(..):INDEX(..)``: the references inside each ":" operand; the cells it may span are
    # their bounding box, which the evaluation order must include
    spans: list[tuple[Ref, ...]] = field(default_factory=list)
    text_format: str | None = None  # the formula text with its relative row numbers as {0}, {1}...
    row_bases: tuple[int, ...] = ()

    def predict(self, row: int) -> str | None:
        """The text a copy of this formula has at ``row`` of the anchor's column."""
        if self.text_format is None:
            return None
        dr = row - self.row
        return self.text_format.format(*[b + dr for b in self.row_bases])


class Names:
    """Defined names by scope; resolves a name used on a sheet (sheet scope first, then workbook)."""

    def __init__(self, defined: list[tuple[str, str, int | None]]) -> None:
        self.defs = {(name.upper(), scope): text for name, text, scope in defined}

    def find(self, name: str, sheet: int) -> tuple[str, tuple[str, int | None]] | None:
        for scope in (sheet, None):
            key = (name.upper(), scope)
            if key in self.defs:
                return self.defs[key], key
        return None


def _split(text: str) -> tuple[str, str]:
    """``'My sheet'!A1`` -> ("My sheet", "A1"); no sheet -> ("", text)."""
    sheet, bang, rest = text.rpartition("!")
    if not bang:
        return "", text
    if sheet.startswith("'") and sheet.endswith("'"):
        sheet = sheet[1:-1].replace("''", "'")
    return sheet, rest


def _area(text: str) -> Area | None:
    parsed = parse_area(text)
    if parsed is None:
        return None
    area = parsed[0]
    if area.r2 > MAX_ROW or area.c2 > MAX_COL or area.r1 < 1 or area.c1 < 1:
        return None
    return area


def _a1_format(area: Area, slots: list[int]) -> str | None:
    """A1 text of ``area`` with each relative row number replaced by a format slot."""
    if area.whole_columns or area.whole_rows:
        return None

    def cell(r: int, c: int, r_abs: bool, c_abs: bool) -> str:
        col = ("$" if c_abs else "") + column_letters(c)
        if r_abs:
            return f"{col}${r}"
        slots.append(r)
        return f"{col}{{{len(slots) - 1}}}"

    first = cell(area.r1, area.c1, area.r1_abs, area.c1_abs)
    if (area.r1, area.c1) == (area.r2, area.c2):
        return first
    return first + ":" + cell(area.r2, area.c2, area.r2_abs, area.c2_abs)


class Compiler:
    """Compiles formula text at a cell into a ``Template``, reusing one per R1C1 formula."""

    def __init__(self, sheet_names: list[str], names: Names) -> None:
        self.sheet_names = sheet_names
        self.sheet_index = {n.upper(): i for i, n in enumerate(sheet_names)}
        self.names = names
        self.cache: dict[tuple[int, str], Template] = {}
        self.last: dict[tuple[int, int], Template] = {}  # (sheet, column) -> last template there

    def template(self, text: str, sheet: int, row: int, col: int) -> tuple[Template, int, int]:
        """(template, row offset, column offset) for ``text`` at (sheet, row, col)."""
        previous = self.last.get((sheet, col))
        if previous is not None and previous.col == col and previous.predict(row) == text:
            return previous, row - previous.row, 0
        if "\n" in text or "\r" in text:
            text = text.replace("\r", " ").replace("\n", " ")
        try:
            toks = parser.tokens(text)
        except ParseError as exc:
            raise CompileError(f"the formula cannot be parsed ({exc})") from None
        key = self._key(toks, sheet, row, col)
        found = self.cache.get((sheet, key))
        if found is not None:
            self.last[sheet, col] = found
            return found, row - found.row, col - found.col
        template = self._compile(toks, sheet, row, col)
        self.cache[sheet, key] = template
        self.last[sheet, col] = template
        return template, 0, 0

    def _key(self, toks: list[tuple[str, str]], sheet: int, row: int, col: int) -> str:
        parts = []
        for kind, value in toks:
            if kind == "ref":
                prefix, a1 = _split(value)
                area = _area(a1)
                if area is not None:
                    parts.append(f"{prefix.upper()}!{area.r1c1(row, col)}")
                    continue
            parts.append(value.upper() if kind in ("func", "name") else value)
        return "\x00".join(parts)

    def _compile(self, toks: list[tuple[str, str]], sheet: int, row: int, col: int) -> Template:
        template = Template([], sheet, row, col)
        try:
            program = parser.parse_tokens(toks)
        except ParseError as exc:
            raise CompileError(f"the formula cannot be parsed ({exc})") from None
        self._emit(program.steps, template, sheet, (), fixed=False)
        template.text_format, template.row_bases = self._format(toks)
        return template

    def _format(self, toks: list[tuple[str, str]]) -> tuple[str | None, tuple[int, ...]]:
        slots: list[int] = []
        parts = []
        for kind, value in toks:
            if kind == "ref":
                _sheet, a1 = _split(value)
                area = _area(a1)
                text = _a1_format(area, slots) if area is not None else None
                if text is None:
                    return None, ()
                head = value[: len(value) - len(a1)]
                parts.append(head.replace("{", "{{").replace("}", "}}") + text)
            else:
                parts.append(value.replace("{", "{{").replace("}", "}}"))
        return "".join(parts), tuple(slots)

    def _emit(self, steps: list[Any], t: Template, sheet: int, names_seen: tuple, fixed: bool) -> None:
        starts: list[int] = []
        for step in steps:
            if isinstance(step, Const):
                starts.append(len(t.code))
                t.code.append((CONST, step.value))
            elif isinstance(step, Reference):
                starts.append(len(t.code))
                self._reference(step, t, sheet, names_seen, fixed)
            else:
                assert isinstance(step, Apply)
                fn = self._function(step)
                begin = starts[-step.nargs] if step.nargs else len(t.code)
                if step.nargs:
                    del starts[-step.nargs :]
                if step.name == ":" and not step.function:
                    t.spans.append(tuple(op[1] for op in t.code[begin:] if op[0] == REFERENCE))
                if fn.cell:
                    t.per_cell = True
                t.code.append((CALL, fn, step.nargs))
                starts.append(begin)

    def _function(self, step: Apply) -> library.Fn:
        if not step.function:
            return library.OPERATORS[step.name]
        fn = library.lookup(step.name)
        if fn is not None:
            return fn
        name = library.canonical(step.name)
        if library.is_dynamic(name):
            problem = "is not supported by the headless recompute (its references are only known at run time)"
            raise CompileError(f"{name} {problem}", name)
        raise CompileError(f"unknown function {name}", name)

    def _value_mode(self, consumer: tuple[str, int, bool] | None) -> bool:
        """Whether a single-cell reference read by ``consumer`` is passed as its value."""
        if consumer is None:
            return True
        name, _index, is_function = consumer
        if not is_function:
            return name not in (":", " ")
        fn = library.lookup(name)
        return fn is not None and fn.single_as_value

    def _reference(self, step: Reference, t: Template, sheet: int, names_seen: tuple, fixed: bool) -> None:
        prefix, body = _split(step.text)
        target = sheet
        if prefix:
            found = self.sheet_index.get(prefix.upper())
            if found is None:
                t.code.append((CONST, REF))
                return
            target = found
        area = None if step.is_name else _area(body)
        if area is None:
            self._name(body, step, t, target, names_seen)
            return
        if fixed:
            area = Area(area.r1, area.c1, area.r2, area.c2, True, True, True, True)
        single = area.r1 == area.r2 and area.c1 == area.c2
        ref = Ref(target, area, single and self._value_mode(step.consumer))
        t.refs.append(ref)
        t.code.append((REFERENCE, ref))

    def _name(self, name: str, step: Reference, t: Template, sheet: int, names_seen: tuple) -> None:
        hit = self.names.find(name, sheet)
        if hit is None:
            t.code.append((CONST, NAME))
            return
        definition, key = hit
        if key in names_seen:
            raise CompileError(f"defined name {name} refers to itself")
        if len(names_seen) >= MAX_NAME_DEPTH:
            raise CompileError(f"defined names nested more than {MAX_NAME_DEPTH} deep")
        try:
            program = parser.parse(definition)
        except ParseError as exc:
            raise CompileError(f"defined name {name} cannot be parsed ({exc})") from None
        steps = program.steps
        if len(steps) == 1 and isinstance(steps[0], Reference):
            steps = [Reference(steps[0].text, steps[0].is_name, step.consumer)]
        # a name's references are absolute: the copy of a formula does not move them
        self._emit(steps, t, sheet, (*names_seen, key), fixed=True)
