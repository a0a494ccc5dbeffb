"""Copies of a formula evaluated together give, row by row, exactly what evaluating each copy on
its own gives, for every function the evaluator calls once on a column of copies
(``functions.ELEMENTWISE``), over values of every kind a cell holds."""

from __future__ import annotations

import itertools
import math

import pytest
from formulas.tokens.operand import Error
from mlsysim.workbooks.recalc import functions
from mlsysim.workbooks.recalc.compiler import Compiler, Names
from mlsysim.workbooks.recalc.evaluator import COLUMN, Group, Workbook
from mlsysim.workbooks.recalc.graph import Instance
from mlsysim.workbooks.recalc.values import EMPTY

VALUES = [0.0, 1.5, -2.0, 3.0, 1e300, "text", "2", "", True, False, None, Error.errors["#DIV/0!"]]
# Values no function raises a Python exception on (0 ** -1 and 1e300 ** 3 do, and then the
# evaluator, correctly, falls back to one call per copy): with these the column path must be taken.
TAME = [1.5, 3.0, "2", "text", True, None, Error.errors["#DIV/0!"]]
OPERATORS = {"+": "A{r}+B{r}", "-": "A{r}-B{r}", "*": "A{r}*B{r}", "/": "A{r}/B{r}", "^": "A{r}^B{r}"}
OPERATORS |= {"&": "A{r}&B{r}", "=": "A{r}=B{r}", "<>": "A{r}<>B{r}", "<": "A{r}<B{r}", ">": "A{r}>B{r}"}
OPERATORS |= {"<=": "A{r}<=B{r}", ">=": "A{r}>=B{r}", "U-": "-A{r}", "U+": "+A{r}", "%": "A{r}%"}
ARITY = {"IF": 3, "IFERROR": 2, "IFNA": 2, "_XLFN.IFNA": 2, "NOT": 1, "ABS": 1}
ARITY |= dict.fromkeys(("SQRT", "EXP", "LN", "LOG10", "INT", "SIGN", "TRUNC"), 1)


def _formula(name: str) -> str:
    if name in OPERATORS:
        return OPERATORS[name]
    args = ",".join(f"{c}{{r}}" for c in "ABC"[: ARITY.get(name, 2)])
    return f"{name.removeprefix('_XLFN.')}({args})"


def _group(name: str, values: list) -> tuple[Workbook, list[Instance]]:
    """Column A, B, C hold every combination of ``values``; column D the formula on each row."""
    text = _formula(name)
    arity = 3 if "C{r}" in text else 2 if "B{r}" in text else 1
    grid = list(itertools.product(values, repeat=arity))
    cells = {(r, c + 1): v for r, row in enumerate(grid, start=1) for c, v in enumerate(row) if v is not None}
    book = Workbook(["S"], [cells], [(len(grid), 4)])
    compiler = Compiler(["S"], Names([]))
    instances = []
    for r in range(1, len(grid) + 1):
        template, dr, dc = compiler.template(text.format(r=r), 0, r, 4)
        instances.append(Instance(0, r, 4, template, dr, dc))
    assert len({id(i.template) for i in instances}) == 1  # one compiled formula for all rows
    return book, instances


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return type(a) is type(b) and a == b


@pytest.mark.parametrize("name", sorted(n for n in functions.ELEMENTWISE if n != "MATCH"))
def test_copies_together_equal_copies_alone(name: str) -> None:
    book, cells = _group(name, VALUES)
    together = Group(book, cells).run()
    alone = [Group(book, [c]).run()[0] for c in cells]
    assert all(_same(a, b) for a, b in zip(together, alone, strict=True))
    book, cells = _group(name, TAME)
    group = Group(book, cells)
    assert group.node(cells[0].template.tree, raw=True)[0] == COLUMN


def test_match_on_a_column_of_lookups() -> None:
    table = ["h1", "H2", 3.0, "h4", True, "h*"]
    lookups = ["h1", "h2", 3.0, "3", "zz", True, "h?", None, Error.errors["#N/A"]]
    for kind in (0, 1, -1):
        cells = {(r, 1): v for r, v in enumerate(table, start=1)}
        cells |= {(r, 2): v for r, v in enumerate(lookups, start=1) if v is not None}
        book = Workbook(["S"], [cells], [(len(table) + len(lookups), 3)])
        compiler = Compiler(["S"], Names([]))
        instances = []
        for r in range(1, len(lookups) + 1):
            template, dr, dc = compiler.template(f"MATCH(B{r},$A$1:$A$6,{kind})", 0, r, 3)
            instances.append(Instance(0, r, 3, template, dr, dc))
        together = Group(book, instances).run()
        alone = [Group(book, [c]).run()[0] for c in instances]
        assert all(_same(a, b) for a, b in zip(together, alone, strict=True))
        assert Group(book, instances).node(instances[0].template.tree, raw=True)[0] == COLUMN


def test_empty_cells_stay_empty_in_a_column() -> None:
    """An empty cell reads as ``EMPTY`` (0 in arithmetic, "" in text), not as the text 'empty'."""
    book, cells = _group("&", ["a", None])
    assert Group(book, cells).run() == ["aa", "a", "a", ""]
    assert book.array(0, 1, 2, 4, 2)[3, 0] is EMPTY  # the marker itself, not the text "empty"
