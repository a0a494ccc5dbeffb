"""The portable formula subset: functions that Excel, LibreOffice and the headless engine evaluate
alike (architecture decision 6), and a linter that lists every use of anything else.

The linter reads formulas with openpyxl's tokenizer (the Excel formula grammar), so a function
name inside a text literal is not mistaken for a call.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from openpyxl.formula.tokenizer import Token, Tokenizer
from openpyxl.worksheet.formula import ArrayFormula

from .engine_calls import NAMESPACES, Target, functions

NATIVE = frozenset(
    {
        "SUM",
        "SUMPRODUCT",
        "SUMIFS",
        "COUNTIFS",
        "INDEX",
        "MATCH",
        "IF",
        "IFERROR",
        "ISERROR",
        "AND",
        "OR",
        "MIN",
        "MAX",
        "ROUND",
        "SQRT",
        "EXP",
        "LN",
    }
)


def allowed() -> frozenset[str]:
    """The native subset and the MLSYS_* functions as every target runtime spells them."""
    spellings = {
        Target(runtime, namespace).spelled(name).upper()
        for runtime, namespaces in NAMESPACES.items()
        for namespace in namespaces
        for name in functions()
    }
    return NATIVE | frozenset(spellings)


@dataclass(frozen=True, slots=True)
class Finding:
    where: str  # "Serving!M4", "Serving conditional format A4:V110", "name MasterCheck"
    formula: str
    function: str


def called_functions(formula: str) -> list[str]:
    """Names of the functions ``formula`` calls (upper case, in order)."""
    found = []
    for token in Tokenizer(formula).items:
        if token.type == Token.FUNC and token.subtype == Token.OPEN:
            found.append(token.value[:-1].upper())
    return found


def formulas_of(workbook: Any) -> Iterator[tuple[str, str]]:
    """(where, formula) for every formula of ``workbook``: cells, conditional formats, data
    validations and defined names."""
    for ws in workbook.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f" and isinstance(cell.value, str):
                    yield f"{ws.title}!{cell.coordinate}", cell.value
                elif isinstance(cell.value, ArrayFormula):  # a block function's array formula
                    yield f"{ws.title}!{cell.value.ref}", cell.value.text
        for area, rules in ws.conditional_formatting._cf_rules.items():
            for rule in rules:
                for text in rule.formula or ():
                    yield f"{ws.title} conditional format {area.sqref}", "=" + text
        for validation in ws.data_validations.dataValidation:
            for text in (validation.formula1, validation.formula2):
                if text:
                    yield f"{ws.title} validation {validation.sqref}", "=" + text
    for name, defined in workbook.defined_names.items():
        yield f"name {name}", "=" + defined.attr_text


def lint(workbook: Any) -> list[Finding]:
    """Every call of a function outside the portable subset."""
    ok = allowed()
    return [
        Finding(where, formula, name)
        for where, formula in formulas_of(workbook)
        for name in called_functions(formula)
        if name not in ok
    ]
