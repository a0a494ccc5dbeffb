"""The catalog sheets (Hardware, Models, Fleets, Regions): the workbook's own, authoritative catalog.

The column layout is ``mlsysim.macros.sheet_schema`` (so MLSYS_* functions read a row of these
sheets), the rows come from the packaged catalog (``catalog_rows``). Every column also gets a
defined name over the data and spare rows (``Hardware_price`` = ``Hardware!$W$4:$W$127``), so the
TCO and Carbon formulas read ``INDEX(Hardware_price, MATCH(C4, Hardware_id, 0))`` and new rows
typed below the data are picked up. A Fleets row repeats its accelerator's specs with INDEX/MATCH
on the Hardware sheet, so editing an accelerator there flows into every fleet built from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mlsysim.macros.sheet_export import export_rows
from mlsysim.macros.sheet_schema import Column, SheetSchema, schema
from openpyxl.workbook.defined_name import DefinedName

from . import styles
from .layout import Col, Table

CATALOG_KINDS = ("hardware", "model", "fleet", "region")
_NOTES = {
    "hardware": "One accelerator per row, values from datasheets (Source lists the catalog source ids).",
    "model": "One model per row, from model cards; transformers need the shape columns, CNNs the FLOPs.",
    "fleet": "One fleet per row: nodes of a server type on a fabric; accelerator columns are looked up "
    "on the Hardware sheet.",
    "region": "One region per row: an electricity grid (carbon intensity, price) in a facility (PUE, WUE).",
}
_ADD_ROWS = " Edit any input, or add an entry in the blank rows below: dropdowns, formulas and checks use it."
_WIDTHS = {"id": 16.0, "name": 34.0, "source": 48.0, "vendor": 12.0, "accelerator": 14.0, "node": 18.0}


@dataclass(frozen=True, slots=True)
class CatalogSheet:
    """A written catalog sheet and how other sheets refer to its columns."""

    kind: str
    schema: SheetSchema
    table: Table

    def name(self, key: str) -> str:
        """The defined name of column ``key`` (``Fleets_node_price``)."""
        return column_name(self.kind, key)

    @property
    def table_name(self) -> str:
        return table_name(self.kind)

    @property
    def count(self) -> int:
        return self.table.rows


def column_name(kind: str, key: str) -> str:
    """The defined name of a catalog column over its data and spare rows (``Hardware_price``)."""
    sheet = schema(kind)
    sheet.index(key)  # an unknown key fails here, with the closest keys
    return f"{sheet.sheet}_{key.replace('.', '_')}"


def row_lookup(kind: str) -> Col:
    """A scenario column ``<kind>_row``: the catalog-sheet row of the id typed in column ``<kind>``
    (``=MATCH({model}, Models_id, 0)``), which ``INDEX(<table>, row, 0)`` then hands to MLSYS_*."""
    return Col(
        f"{kind}_row",
        f"{schema(kind).sheet} row (#)",
        styles.FORMULA,
        styles.WHOLE,
        9.0,
        f"=MATCH({{{kind}}},{column_name(kind, 'id')},0)",
    )


def table_name(kind: str) -> str:
    """The defined name of a catalog sheet's whole block (``Hardware_table``): one row of it, as
    ``INDEX(Hardware_table, r, 0)`` gives, is what the MLSYS_* functions accept."""
    return f"{schema(kind).sheet}_table"


def _format(column: Column) -> str:
    if column.type == "text":
        return styles.TEXT
    if column.type == "whole":
        return styles.WHOLE
    return styles.GENERAL


def _col(column: Column) -> Col:
    if column.lookup:
        # A looked-up accelerator value; an empty Hardware cell stays empty (not 0).
        source, ids = column_name(column.lookup, column.key), column_name(column.lookup, "id")
        found = f"INDEX({source},MATCH({{accelerator}},{ids},0))"
        return Col(
            column.key, column.header, styles.FORMULA, _format(column), 13.0, f'=IF({found}="","",{found})'
        )
    width = _WIDTHS.get(column.key, 13.0 if column.type != "text" else 14.0)
    return Col(column.key, column.header, styles.INPUT, _format(column), width)


def write_catalog_sheet(workbook: Any, kind: str, catalog: Any, extra: Any = ()) -> CatalogSheet:
    """The sheet of ``kind``: every entry of ``catalog`` as a row, then the ``extra`` entries (fleets
    built for scenarios)."""
    sheet = schema(kind)
    table = Table(workbook, sheet.sheet, [_col(c) for c in sheet.columns])
    table.frame(sheet.sheet, _NOTES[kind] + _ADD_ROWS, header_height=60.0)
    rows = export_rows(sheet, catalog, extra)
    keys = [c.key for c in sheet.columns]
    table.write((dict(zip(keys, row, strict=True)) for row in rows), count=len(rows))
    result = CatalogSheet(kind, sheet, table)
    for column in sheet.columns:
        _define(workbook, result.name(column.key), table.column_range(column.key))
    _define(workbook, result.table_name, table.block_range())
    table.protect()
    return result


def _define(workbook: Any, name: str, target: str) -> None:
    workbook.defined_names[name] = DefinedName(name, attr_text=target)
