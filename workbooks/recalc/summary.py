"""Key outputs per scenario, for CI diffs (``--summary FILE.json`` or ``.csv``).

A scenario sheet is a table: a header row (units in the header text), then one scenario per row.
A table is a run of consecutive rows with formulas in the same columns; its header is the nearest
row above the run whose constant cells are all text (at least two; a total in a formula may sit
beside them; column letters when there is none); the scenario is named by the row's cell in the
table's first column. Each record holds the row number, that name and every formula's value. The JSON is
``{"workbook", "master_check", "errors", "sheets": {sheet: [record, ...]}}``; the CSV has one line
per value (``sheet,row,scenario,column,value``), every text that a spreadsheet would run as a formula
(``= + - @``, tab, carriage return first) prefixed with ``'`` (``mlsysim.textsafe``).
"""

from __future__ import annotations

import bisect
import csv
import io
import json
from collections import defaultdict
from pathlib import Path
from typing import Any, BinaryIO

from mlsysim.textsafe import inert_text

from . import atomic
from .cellref import column_letters
from .values import shown


def _plain(value: Any) -> Any:
    """A JSON value: numbers and booleans as they are, everything else (text, errors) as text."""
    if isinstance(value, bool | float) or value is None:
        return value
    return str(value)


def scenarios(names: list[str], values: list[dict], formulas: list[list[tuple[int, int]]]) -> dict:
    """{sheet: [record, ...]} for every sheet with formulas, in workbook order."""
    out: dict[str, list[dict[str, Any]]] = {}
    for name, cells, positions in zip(names, values, formulas, strict=True):
        if positions:
            out[name] = _table(cells, positions)
    return out


def _table(cells: dict, positions: list[tuple[int, int]]) -> list[dict[str, Any]]:
    by_row: dict[int, list[int]] = defaultdict(list)
    for row, col in positions:
        by_row[row].append(col)
    constants: dict[int, dict[int, Any]] = defaultdict(dict)
    for (row, col), value in cells.items():
        if col not in by_row.get(row, ()):
            constants[row][col] = value
    header_rows = sorted(
        r for r, row in constants.items() if len(row) >= 2 and all(isinstance(v, str) for v in row.values())
    )
    records = []
    shapes = {row: frozenset(cols) for row, cols in by_row.items()}
    table_start: dict[int, int] = {}
    for row in sorted(by_row):  # a table: consecutive rows with formulas in the same columns
        same = shapes.get(row - 1) == shapes[row]
        table_start[row] = table_start[row - 1] if same else row
        above = bisect.bisect_left(header_rows, table_start[row])
        headers = {c: v.strip() for c, v in constants[header_rows[above - 1]].items()} if above else {}
        record: dict[str, Any] = {"row": row, "scenario": _plain(cells.get((row, min(headers, default=1))))}
        for col in sorted(by_row[row]):
            title = headers.get(col) or column_letters(col)
            record[title if title not in record else f"{title} ({column_letters(col)})"] = _plain(
                cells.get((row, col))
            )
        records.append(record)
    return records


def document(workbook: str, master_check: bool | None, errors: int, tables: dict) -> dict:
    return {"workbook": workbook, "master_check": master_check, "errors": errors, "sheets": tables}


def _csv_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool | float):
        return shown(value)
    return inert_text(str(value))


def render(doc: dict, path: Path) -> str:
    """The summary as JSON or CSV, chosen by ``path``'s suffix."""
    if path.suffix.lower() == ".csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["sheet", "row", "scenario", "column", "value"])
        for sheet, records in doc["sheets"].items():
            for record in records:
                for column, value in record.items():
                    if column not in ("row", "scenario"):
                        row = [
                            inert_text(sheet),
                            record["row"],
                            _csv_text(record["scenario"]),
                            inert_text(column),
                            _csv_text(value),
                        ]
                        writer.writerow(row)
        return buffer.getvalue()
    return json.dumps(doc, indent=1, ensure_ascii=False, allow_nan=False) + "\n"


def write(doc: dict, path: Path) -> None:
    """Write the summary atomically."""
    data = render(doc, path).encode("utf-8")

    def write_all(f: BinaryIO) -> None:
        f.write(data)

    atomic.replace(path, write_all)
