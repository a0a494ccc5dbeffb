"""Formula text -> a postfix program, by iteration (no recursion, so no depth limit).

The grammar is Excel's (Microsoft, "Calculation operators and precedence in Excel"; ECMA-376
Part 1 §18.17 formulas): constants (numbers, "text", TRUE/FALSE, #errors, {array;constants}),
references (``A1``, ``$A$1:B2``, ``A:A``, ``1:1``, with ``Sheet!`` or ``'My sheet'!``), defined
names, functions with omitted arguments (``F(a,,b)``), and the operators, highest precedence
first: ``:`` (range), space (intersection), unary ``-``/``+`` and ``@``, ``%``, ``^``, ``*`` and
``/``, ``+`` and ``-``, ``&``, comparisons. ``^`` is left-associative (``=2^3^2`` is 64) and
negation binds tighter than it (``=-2^2`` is 4), as in Excel.

A shunting-yard pass emits the program; each reference or name token records which operator or
function argument consumes it (``consumer``), so the compiler can pass an operator the cell's
value and a function such as SUM the reference itself (SUM ignores text in a referenced cell but
adds text typed as an argument).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal
from typing import Any

from .arrays import Arr
from .values import MISSING, error

MAX_FORMULA = 8192  # characters (Excel's specifications and limits)

_SHEET = r"(?:'(?:[^']|'')+'|[^\W\d][\w.]*)!"
_CELL = r"\$?[A-Za-z]{1,3}\$?\d+"
_COLUMNS = r"\$?[A-Za-z]{1,3}:\$?[A-Za-z]{1,3}"
_TOKEN = re.compile(
    rf"""
    (?P<ws>\s+)
  | (?P<str>"(?:[^"]|"")*")
  | (?P<err>\#(?:NULL!|DIV/0!|VALUE!|REF!|NAME\?|NUM!|N/A|GETTING_DATA|SPILL!|CALC!))
  | (?P<ref>(?:{_SHEET})?(?:{_CELL}(?::{_CELL})?|{_COLUMNS}|\$?\d+:\$?\d+)(?![\w.(!\[]))
  | (?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<func>[^\W\d][\w.]*\()
  | (?P<name>(?:{_SHEET})?[^\W\d\\][\w.?\\]*|\\[\w.?\\]*)
  | (?P<op><=|>=|<>|[-+*/^&=<>%:,;(){{}}@])
    """,
    re.VERBOSE,
)

BINARY = {
    ":": 10,
    " ": 9,
    "^": 6,
    "*": 5,
    "/": 5,
    "+": 4,
    "-": 4,
    "&": 3,
    "=": 2,
    "<>": 2,
    "<": 2,
    ">": 2,
    "<=": 2,
    ">=": 2,
}
UNARY_PRECEDENCE = 8
PERCENT_PRECEDENCE = 7


class ParseError(Exception):
    pass


@dataclass(slots=True)
class Const:
    value: Any


@dataclass(slots=True)
class Reference:
    """A reference or a defined name as written; ``consumer`` is (name, argument index, is a
    function) of what reads it, or None when it is the whole formula."""

    text: str
    is_name: bool
    consumer: tuple[str, int, bool] | None = None


@dataclass(slots=True)
class Apply:
    """An operator (``U-``, ``U+``, ``@``, ``%`` and the binary ones) or a function call."""

    name: str
    nargs: int
    function: bool


@dataclass(slots=True)
class Program:
    steps: list[Any] = field(default_factory=list)


@dataclass(slots=True)
class _Frame:
    """An open parenthesis or function call on the operator stack."""

    function: str | None
    operands_at_open: int
    args: int = 0
    separators: int = 0
    operands_at_separator: int = 0


def tokens(text: str) -> list[tuple[str, str]]:
    """(kind, text) of every token of formula ``text`` (without its leading ``=``)."""
    if len(text) > MAX_FORMULA:
        raise ParseError(f"{len(text):,} characters; Excel allows {MAX_FORMULA:,}")
    out: list[tuple[str, str]] = []
    pos = 0
    match = _TOKEN.match
    while pos < len(text):
        m = match(text, pos)
        if m is None or m.end() == pos:
            raise ParseError(f"unexpected {text[pos : pos + 12]!r} at character {pos + 1}")
        kind = m.lastgroup or ""
        out.append((kind, m.group()))
        pos = m.end()
    return out


def number(text: str) -> float:
    """A number typed in a formula: Excel keeps 15 significant digits and drops the rest
    (Microsoft, "Floating-point arithmetic may give inaccurate results in Excel")."""
    digits = sum(ch.isdigit() for ch in text.partition("e")[0].partition("E")[0].lstrip("0."))
    if digits <= 15:
        return float(text)
    exact = Decimal(text)
    return float(exact.quantize(Decimal(1).scaleb(exact.adjusted() - 14), rounding=ROUND_DOWN))


def _starts_operand(kind: str, value: str) -> bool:
    return kind in ("ref", "name", "func") or (kind == "op" and value == "(")


def _ends_operand(kind: str, value: str) -> bool:
    return kind in ("ref", "name") or (kind == "op" and value == ")")


def parse(text: str) -> Program:
    """The postfix program of formula ``text`` (without its leading ``=``)."""
    return parse_tokens(tokens(text))


def parse_tokens(raw: list[tuple[str, str]]) -> Program:
    """The postfix program of a formula's ``tokens``."""
    toks: list[tuple[str, str]] = []
    for i, (kind, value) in enumerate(raw):
        if kind != "ws":
            toks.append((kind, value))
            continue
        before = toks[-1] if toks else None
        after = next((t for t in raw[i + 1 :] if t[0] != "ws"), None)
        if before and after and _ends_operand(*before) and _starts_operand(*after):
            toks.append(("op", " "))  # the intersection operator
    return _Parser(toks).run()


class _Parser:
    def __init__(self, toks: list[tuple[str, str]]) -> None:
        self.toks = toks
        self.steps: list[Any] = []
        self.operands: list[int | None] = []  # per operand: index of its bare Reference step
        self.stack: list[Any] = []  # operators (str) and _Frame

    def run(self) -> Program:
        toks = self.toks
        i = 0
        expect_operand = True
        while i < len(toks):
            kind, value = toks[i]
            if kind == "op" and value == "{":
                i = self._array(i + 1)
                expect_operand = False
                continue
            if expect_operand:
                if kind == "op" and value in ("-", "+", "@"):
                    self.stack.append({"-": "U-", "+": "U+", "@": "@"}[value])
                elif kind == "op" and value == "(":
                    self.stack.append(_Frame(None, len(self.operands)))
                elif kind == "func":
                    self.stack.append(_Frame(value[:-1].upper(), len(self.operands)))
                elif kind == "op" and value in (",", ")") and self._in_call():
                    self._operand(Const(MISSING))  # an omitted argument
                    expect_operand = False
                    continue
                elif kind == "op":
                    raise ParseError(f"an operand was expected before {value!r}")
                else:
                    self._operand(self._constant(kind, value))
                    expect_operand = False
            else:
                if kind == "op" and value in BINARY:
                    self._binary(value)
                    expect_operand = True
                elif kind == "op" and value == "%":
                    self._pop_while(lambda op: _precedence(op) > PERCENT_PRECEDENCE)
                    self._apply("%", 1, False)
                elif kind == "op" and value == ",":
                    self._separator()
                    expect_operand = True
                elif kind == "op" and value == ")":
                    self._close()
                else:
                    raise ParseError(f"an operator was expected before {value!r}")
            i += 1
        if expect_operand:
            if self.steps or self.stack:
                raise ParseError("the formula ends where an operand was expected")
            raise ParseError("the formula is empty")
        while self.stack:
            top = self.stack.pop()
            if isinstance(top, _Frame):
                raise ParseError("a parenthesis is not closed")
            self._apply(top, 1 if top in ("U-", "U+", "@") else 2, False)
        if len(self.operands) != 1:
            raise ParseError("operands without an operator between them")
        return Program(self.steps)

    def _in_call(self) -> bool:
        return bool(self.stack) and isinstance(self.stack[-1], _Frame) and self.stack[-1].function is not None

    def _constant(self, kind: str, value: str) -> Any:
        if kind == "num":
            return Const(number(value))
        if kind == "str":
            return Const(value[1:-1].replace('""', '"'))
        if kind == "err":
            return Const(error(value))
        if kind == "name" and value.upper() in ("TRUE", "FALSE"):
            return Const(value.upper() == "TRUE")
        if kind in ("ref", "name"):
            return Reference(value, kind == "name")
        raise ParseError(f"unexpected {value!r}")

    def _operand(self, step: Any) -> None:
        self.operands.append(len(self.steps) if isinstance(step, Reference) else None)
        self.steps.append(step)

    def _apply(self, name: str, nargs: int, function: bool) -> None:
        if len(self.operands) < nargs:
            raise ParseError(f"{name} lacks an operand")
        args = self.operands[len(self.operands) - nargs :] if nargs else []
        for k, ref in enumerate(args):
            if ref is not None:
                self.steps[ref].consumer = (name, k, function)
        if nargs:
            del self.operands[-nargs:]
        self.operands.append(None)
        self.steps.append(Apply(name, nargs, function))

    def _pop_while(self, condition: Any) -> None:
        while self.stack and not isinstance(self.stack[-1], _Frame) and condition(self.stack[-1]):
            op = self.stack.pop()
            self._apply(op, 1 if op in ("U-", "U+", "@") else 2, False)

    def _binary(self, op: str) -> None:
        level = BINARY[op]
        self._pop_while(lambda top: _precedence(top) >= level)
        self.stack.append(op)

    def _frame(self) -> _Frame:
        self._pop_while(lambda _top: True)
        if not self.stack:
            raise ParseError("a closing parenthesis or comma without an opening parenthesis")
        frame = self.stack[-1]
        assert isinstance(frame, _Frame)
        return frame

    def _separator(self) -> None:
        frame = self._frame()
        if frame.function is None:
            raise ParseError("a comma outside a function call (the union operator is not supported)")
        frame.args += 1
        frame.separators += 1

    def _close(self) -> None:
        frame = self._frame()
        self.stack.pop()
        if frame.function is None:
            if len(self.operands) != frame.operands_at_open + 1:
                raise ParseError("empty parentheses")
            return
        given = len(self.operands) - frame.operands_at_open
        nargs = 0 if frame.separators == 0 and given == 0 else frame.separators + 1
        if given != nargs:
            raise ParseError(f"the arguments of {frame.function} are malformed")
        self._apply(frame.function, nargs, True)

    def _array(self, i: int) -> int:
        rows: list[list[Any]] = [[]]
        sign = 1.0
        while i < len(self.toks):
            kind, value = self.toks[i]
            i += 1
            if kind == "op" and value == "}":
                if len({len(r) for r in rows}) != 1 or not rows[0]:
                    raise ParseError("an array constant with rows of different lengths")
                self._operand(Const(Arr(rows)))
                return i
            if kind == "op" and value == ",":
                continue
            if kind == "op" and value == ";":
                rows.append([])
            elif kind == "op" and value in "+-":
                sign = -sign if value == "-" else sign
            elif kind == "num":
                rows[-1].append(sign * number(value))
                sign = 1.0
            else:
                const = self._constant(kind, value)
                if not isinstance(const, Const):
                    raise ParseError("an array constant holds only numbers, text, logicals and errors")
                rows[-1].append(const.value)
        raise ParseError("an array constant is not closed")


def _precedence(op: Any) -> int:
    if op in ("U-", "U+", "@"):
        return UNARY_PRECEDENCE
    return BINARY.get(op, -1)
