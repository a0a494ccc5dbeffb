"""Copies of a formula evaluated together give, row by row, exactly what evaluating each copy on
its own gives, for every operator (the four arithmetic ones also run inline on numbers) and the
one-value functions, over values of every kind a cell holds."""

from __future__ import annotations

import itertools
import math

import pytest
from mlsysim.workbooks.recalc.compiler import Compiler, Names
from mlsysim.workbooks.recalc.evaluator import EACH, Book, Group
from mlsysim.workbooks.recalc.values import DIV0, NA

VALUES = [0.0, 1.5, -2.0, 3.0, 1e300, "text", "2", "", True, False, None, DIV0]
OPERATORS = {"+": "A{r}+B{r}", "-": "A{r}-B{r}", "*": "A{r}*B{r}", "/": "A{r}/B{r}", "^": "A{r}^B{r}"}
OPERATORS |= {"&": "A{r}&B{r}", "=": "A{r}=B{r}", "<>": "A{r}<>B{r}", "<": "A{r}<B{r}", ">": "A{r}>B{r}"}
OPERATORS |= {"<=": "A{r}<=B{r}", ">=": "A{r}>=B{r}", "U-": "-A{r}", "U+": "+A{r}", "%": "A{r}%"}
ARITY = {"IF": 3, "IFERROR": 2, "IFNA": 2, "NOT": 1, "ABS": 1, "ROUND": 2, "MOD": 2, "POWER": 2}
ARITY |= dict.fromkeys(("SQRT", "EXP", "LN", "LOG10", "INT", "SIGN", "TRUNC", "ISNUMBER", "LEN"), 1)
NAMES = sorted(OPERATORS) + sorted(ARITY)


def _formula(name: str) -> str:
    if name in OPERATORS:
        return OPERATORS[name]
    args = ",".join(f"{c}{{r}}" for c in "ABC"[: ARITY[name]])
    return f"{name}({args})"


def _group(name: str, values: list) -> tuple[Book, Group]:
    """Columns A, B, C hold every combination of ``values``; column D the formula on each row."""
    text = _formula(name)
    arity = 3 if "C{r}" in text else 2 if "B{r}" in text else 1
    grid = list(itertools.product(values, repeat=arity))
    cells = {(r, c + 1): v for r, row in enumerate(grid, start=1) for c, v in enumerate(row) if v is not None}
    book = Book(["S"], [cells], [(len(grid), 4)])
    compiler = Compiler(["S"], Names([]))
    templates = {id(compiler.template(text.format(r=r), 0, r, 4)[0]) for r in range(1, len(grid) + 1)}
    assert len(templates) == 1  # one compiled formula for all rows
    template = compiler.template(text.format(r=1), 0, 1, 4)[0]
    return book, Group(book, template, [(r, 4) for r in range(1, len(grid) + 1)])


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return type(a) is type(b) and a == b


@pytest.mark.parametrize("name", NAMES)
def test_copies_together_equal_copies_alone(name: str) -> None:
    book, group = _group(name, VALUES)
    together = group.run()
    alone = [Group(book, group.template, [cell]).run()[0] for cell in group.cells]
    assert all(_same(a, b) for a, b in zip(together, alone, strict=True))
    assert group._execute()[0] == EACH  # evaluated as a column, not once per copy


def test_match_on_a_column_of_lookups() -> None:
    table = ["h1", "H2", 3.0, "h4", True, "h*"]
    lookups = ["h1", "h2", 3.0, "3", "zz", True, "h?", None, NA]
    for kind in (0, 1, -1):
        cells = {(r, 1): v for r, v in enumerate(table, start=1)}
        cells |= {(r, 2): v for r, v in enumerate(lookups, start=1) if v is not None}
        book = Book(["S"], [cells], [(len(table) + len(lookups), 3)])
        compiler = Compiler(["S"], Names([]))
        template = compiler.template(f"MATCH(B1,$A$1:$A$6,{kind})", 0, 1, 3)[0]
        group = Group(book, template, [(r, 3) for r in range(1, len(lookups) + 1)])
        together = group.run()
        alone = [Group(book, template, [c]).run()[0] for c in group.cells]
        assert all(_same(a, b) for a, b in zip(together, alone, strict=True))
    # exact: text without regard to case, "3" (text) is not 3 (number), a wildcard pattern matches
    assert together == [NA] * 9 or kind != 0
    book = Book(["S"], [{(r, 1): v for r, v in enumerate(table, start=1)} | {(1, 2): "H?"}], [(6, 3)])
    template = Compiler(["S"], Names([])).template("MATCH(B1,$A$1:$A$6,0)", 0, 1, 3)[0]
    assert Group(book, template, [(1, 3)]).run() == [1.0]  # "H?" matches h1 first


def test_empty_cells_stay_empty_in_a_column() -> None:
    """An empty cell reads as "" in text, not as a marker's text."""
    _book, group = _group("&", ["a", None])
    assert group.run() == ["aa", "a", "a", ""]
