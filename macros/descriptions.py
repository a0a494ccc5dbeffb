"""The short description Excel shows for each MLSYS_* function: its purpose and its result's unit.

Excel's *Insert Function* dialog takes a function description of at most 255 characters
(``Application.MacroOptions``; the classic add-in cuts longer text, ``xlret["doc"][:255]`` in
xlwings' ``udfs.import_udfs``), and xlwings Lite and Server show the same text in the formula
builder. The Python docstring (description, signature, every argument) is longer; the UDF
adapters give Excel this text instead (``xlwings_udfs.decorate``). It is built from the
registry, so a new function gets one without a line here; ``insert_function_text`` refuses a
description that would not fit, and a test checks every function.
"""

from __future__ import annotations

from typing import Any

LIMIT = 255

_FITS = {
    "error": " If it does not fit in memory: an #MLSYS! text saying why.",
    "value": "",
    "": "",
}


def result_text(fn: Any) -> str:
    """What the result is, in words: ``Result in ms (unit converts).``"""
    if fn.returns == "boolean":
        return "Result: TRUE or FALSE."
    if fn.returns == "text":
        return "Result: text."
    if fn.returns == "block":
        return "Result: one row per scenario, one column per output (units in the headers)."
    if fn.returns != "number":
        return "Result: the value in its column's unit, or in unit."
    if not (fn.unit_label or fn.unit):
        return 'Result: a fraction (0.25 = 25%; unit "%" converts).'
    return f"Result in {fn.shown_unit} (the unit argument converts)."


def insert_function_text(fn: Any) -> str:
    """Purpose and unit of ``fn`` (an ``ExcelFunction``), at most ``LIMIT`` characters."""
    text = f"{fn.description} {result_text(fn)}{_FITS[fn.infeasible]}"
    if len(text) > LIMIT:
        raise ValueError(f"{fn.name}: the description has {len(text)} characters; Excel shows {LIMIT}")
    return text


__all__ = ["LIMIT", "insert_function_text", "result_text"]
