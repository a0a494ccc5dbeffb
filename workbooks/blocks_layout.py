"""The planning workbook's block mode (``mlsysim plan --functions block``): one block-function call
per sheet instead of one MLSYS_* call per engine cell.

A sheet in block mode keeps its columns, formats and every native formula. Its engine columns
become links (``=Y4``, ``=Y4*1`` where the per-cell formula turned TRUE/FALSE into 1/0) to helper
columns appended on the right, which one array formula fills: the block function over the sheet's
input columns, all data and spare rows, looking IDs up in the workbook's catalog tables
(``=MLSYS_SERVING_BLOCK(B4:B107, C4:C107, ..., Models_table, Hardware_table, "FITS,...")``). A
scenario typed into a spare row is evaluated by the block at once; copying the row above down
copies the links. The array formula is a fixed-size one (Ctrl+Shift+Enter style), which every
Excel version and all three xlwings runtimes evaluate with one call.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from openpyxl.worksheet.formula import ArrayFormula

from . import styles
from .engine_calls import call
from .layout import FIRST_ROW, Col, Table

PREFIX = "block_"


@dataclass(frozen=True, slots=True)
class BlockPlan:
    """Which block function fills which engine columns of a sheet, from which input columns.

    ``outputs``: (engine column key, the block's output name, suffix of the link formula).
    ``inputs``: block argument name -> ``{column_key}`` (that column over the table's rows) or a
    literal formula operand (a catalog table's defined name)."""

    function: str
    outputs: tuple[tuple[str, str, str], ...]
    inputs: Mapping[str, str]


def columns(plan: BlockPlan, per_cell: Sequence[Col]) -> list[Col]:
    """``per_cell`` with the engine columns linked to helper columns, and the helper columns."""
    linked = {key: suffix for key, _, suffix in plan.outputs}
    out = [
        replace(c, formula=f"={{{PREFIX}{c.key}}}{linked[c.key]}") if c.key in linked else c for c in per_cell
    ]
    by_key = {c.key: c for c in per_cell}
    for key, output, _ in plan.outputs:
        visible = by_key[key]
        header = f"{output} ({plan.function}, one call for the sheet)"
        out.append(Col(f"{PREFIX}{key}", header, styles.ENGINE, visible.fmt, 12.0))
    return out


def place(table: Table, plan: BlockPlan) -> str:
    """Write the array formula over the helper columns (data and spare rows); returns its range."""
    keys = [f"{PREFIX}{key}" for key, _, _ in plan.outputs]
    first, last = table.letter(keys[0]), table.letter(keys[-1])
    ref = f"{first}{FIRST_ROW}:{last}{table.last_row}"
    args = {name: _operand(table, value) for name, value in plan.inputs.items()}
    args["columns"] = '"' + ",".join(output for _, output, _ in plan.outputs) + '"'
    ws = table.worksheet
    for row in range(FIRST_ROW + table.rows, table.last_row + 1):  # spare rows: cells to hold values
        for key in keys:
            ws[f"{table.letter(key)}{row}"].style = styles.ENGINE.name
    ws[f"{first}{FIRST_ROW}"] = ArrayFormula(ref, "=" + call(plan.function, args))
    return ref


def _operand(table: Table, value: str) -> str:
    if value.startswith("{") and value.endswith("}"):
        letter = table.letter(value[1:-1])
        return f"${letter}${FIRST_ROW}:${letter}${table.last_row}"
    return value


__all__ = ["PREFIX", "BlockPlan", "columns", "place"]
