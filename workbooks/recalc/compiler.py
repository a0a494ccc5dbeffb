"""Formula text -> an expression tree of ``formulas`` functions, compiled once per distinct formula.

The ``formulas`` package parses (its ``Parser``: tokens, operator precedence, argument counts) and
implements every Excel function and operator. Its own compiler wires each formula into a
``schedula`` dispatcher, which costs about a millisecond per formula and 100-500 µs per call; here
the parser's output is kept as a plain tree instead (``_TreeBuilder`` records each operator's and
function's argument tokens) and evaluated by ``evaluator`` with the same function objects.

A tree compiled at one cell serves every copy of the formula (same R1C1 text, see ``refs``): its
references carry their ``$`` markers and are shifted per copy.
"""

from __future__ import annotations

import collections
from dataclasses import dataclass, field
from typing import Any

from formulas.builder import AstBuilder
from formulas.errors import FormulaError
from formulas.parser import Parser
from formulas.tokens.function import Function as FunctionToken
from formulas.tokens.operand import Error, Operand
from formulas.tokens.operand import Range as RangeToken
from formulas.tokens.operator import Operator

from . import functions
from .functions import Function
from .refs import Area, parse_area, relative_key


class CompileError(Exception):
    """A formula the recompute cannot evaluate; ``problem`` says why (for the exit-2 message)."""

    def __init__(self, problem: str, function: str = "") -> None:
        super().__init__(problem)
        self.problem = problem
        self.function = function


@dataclass(frozen=True, slots=True)
class Const:
    value: Any


@dataclass(frozen=True, slots=True)
class Ref:
    sheet: int
    area: Area

    @property
    def single(self) -> bool:
        a = self.area
        return a.r1 == a.r2 and a.c1 == a.c2


@dataclass(frozen=True, slots=True)
class Call:
    function: Function
    args: tuple[Any, ...]


@dataclass(slots=True)
class Template:
    """A compiled formula at its anchor cell: the tree, every reference in it, and whether it can
    serve copies at other cells (``shared``)."""

    tree: Any
    sheet: int
    row: int
    col: int
    refs: list[Ref] = field(default_factory=list)
    per_cell: bool = False  # uses the calling cell itself (ROW(), COLUMN(), @): no batching
    shared: bool = True
    # ``INDEX(..):INDEX(..)``: the references inside each ":" operand; the cells it may span are
    # their bounding box, which the evaluation order must include
    spans: list[tuple[Ref, ...]] = field(default_factory=list)


class _TreeBuilder(AstBuilder):
    """Records the argument tokens of each operator/function instead of building a dispatcher."""

    def __init__(self, dsp: Any = None, nodes: Any = None, match: Any = None) -> None:
        self._deque = collections.deque()
        self.match = match
        self.args: dict[int, list[Any]] = {}

    def append(self, token: Any) -> None:
        if isinstance(token, Operator | FunctionToken):
            try:
                args = [self._deque.pop() for _ in range(token.get_n_args)][::-1]
            except IndexError:
                raise FormulaError() from None
            token.update_input_tokens(*args)
            self.args[id(token)] = args
        self._deque.append(token)

    def finish(self) -> None:
        pass


class _TreeParser(Parser):
    ast_builder = _TreeBuilder


_PARSER = _TreeParser()


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


class Compiler:
    """Compiles formula text at a cell into a ``Template``, reusing one per R1C1 formula."""

    def __init__(self, sheet_names: list[str], names: Names) -> None:
        self.sheet_names = sheet_names
        self.sheet_index = {n.upper(): i for i, n in enumerate(sheet_names)}
        self.names = names
        self.cache: dict[tuple, Template] = {}

    def template(self, text: str, sheet: int, row: int, col: int) -> tuple[Template, int, int]:
        """(template, row offset, column offset) for ``text`` at (sheet, row, col)."""
        if "\n" in text or "\r" in text:  # the parser drops line breaks too
            text = text.replace("\r", "").replace("\n", "")
        key, starts = relative_key(text, row, col)
        shared = self.cache.get((sheet, key))
        if shared is not None:
            return shared, row - shared.row, col - shared.col
        exact = self.cache.get((sheet, row, col, text))
        if exact is not None:
            return exact, 0, 0
        template = Template(None, sheet, row, col)
        _tokens, builder = self._parse(text, sheet)
        found: set[int] = set()
        template.tree = self._node(builder[-1], builder, template, text, found, set())
        template.shared = template.shared and found == starts and not template.per_cell
        self.cache[(sheet, key) if template.shared else (sheet, row, col, text)] = template
        return template, 0, 0

    def _parse(self, text: str, sheet: int) -> tuple[list, _TreeBuilder]:
        try:
            return _PARSER.ast("=" + text, context={"sheet": self.sheet_names[sheet]})
        except CompileError:
            raise
        except Exception as exc:  # FormulaError, or a LAMBDA/LET the tree builder cannot hold
            raise CompileError(f"the formula cannot be parsed ({type(exc).__name__})") from None

    def _node(
        self, token: Any, builder: _TreeBuilder, t: Template, text: str, found: set[int], names_seen: set
    ) -> Any:
        if isinstance(token, Operator | FunctionToken):
            is_operator = isinstance(token, Operator)
            name = token.name.upper()
            fn = functions.lookup(name, is_operator)
            if fn is None:
                if functions.is_dynamic(name):
                    raise CompileError(
                        f"{name} is not supported by the headless recompute "
                        "(its references are only known at run time)",
                        name,
                    )
                raise CompileError(f"unknown function {name}", name)
            if functions.CELL in fn.extra:
                t.per_cell = True
            args = tuple(self._node(a, builder, t, text, found, names_seen) for a in builder.args[id(token)])
            if is_operator and name == ":":
                t.spans.append(tuple(r for a in args for r in _refs(a)))
            return Call(fn, args)
        if isinstance(token, RangeToken):
            return self._reference(token, t, text, found, names_seen)
        if isinstance(token, Operand):
            return Const(token.compile())
        raise CompileError(f"unexpected token {token!r}")

    def _reference(self, token: Any, t: Template, text: str, found: set[int], names_seen: set) -> Any:
        attr = token.attr
        if attr.get("indirect") or attr.get("anchor"):
            raise CompileError("spilled (#) and INDIRECT references are not supported", "INDIRECT")
        if attr.get("excel_id") or attr.get("filename"):
            raise CompileError("references to other workbooks are not supported")
        raw = token.source[: token.end_match]
        sheet_part, bang, ref_part = raw.rpartition("!")
        sheet = t.sheet
        if bang:
            name = sheet_part.strip("'").replace("''", "'").upper()
            if name not in self.sheet_index:
                return Const(Error.errors["#REF!"])
            sheet = self.sheet_index[name]
        parsed = parse_area(ref_part)
        if parsed is None:  # not an A1 address: a defined name
            return self._name(ref_part, sheet, t, names_seen)
        area, starts = parsed
        if not starts and not area.fixed:  # B:B or 2:2 with a relative edge: the key cannot see it
            t.shared = False
        base = len(text) - len(token.source) + len(sheet_part) + len(bang)
        found.update(base + s for s in starts)
        ref = Ref(sheet, area)
        t.refs.append(ref)
        return ref

    def _name(self, name: str, sheet: int, t: Template, names_seen: set) -> Any:
        hit = self.names.find(name, sheet)
        if hit is None:
            return Const(Error.errors["#NAME?"])
        definition, key = hit
        if key in names_seen:
            raise CompileError(f"defined name {name} refers to itself")
        _tokens, builder = self._parse(definition, sheet)
        inner = Template(None, sheet, 1, 1)
        tree = self._node(builder[-1], builder, inner, definition, set(), names_seen | {key})
        # a name's references are absolute: the copy of a formula does not move them
        t.refs.extend(_fixed(r) for r in inner.refs)
        t.spans.extend(tuple(_fixed(r) for r in span) for span in inner.spans)
        t.per_cell |= inner.per_cell
        return _fix_tree(tree)


def _refs(node: Any) -> list[Ref]:
    if isinstance(node, Ref):
        return [node]
    if isinstance(node, Call):
        return [r for a in node.args for r in _refs(a)]
    return []


def _fixed(ref: Ref) -> Ref:
    a = ref.area
    return Ref(ref.sheet, Area(a.r1, a.c1, a.r2, a.c2, True, True, True, True))


def _fix_tree(node: Any) -> Any:
    if isinstance(node, Ref):
        return _fixed(node)
    if isinstance(node, Call):
        return Call(node.function, tuple(_fix_tree(a) for a in node.args))
    return node
