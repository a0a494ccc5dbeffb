"""The ``xlwings.conf`` sheet: the classic xlwings add-in reads its settings from a sheet of this
name (key in column A, value in column B, no header) before the ribbon's, so the workbook itself
says which Python module holds the MLSYS_* functions (see macros/README.md, step 4)."""

from __future__ import annotations

from typing import Any

from .layout import protect

SHEET = "xlwings.conf"
UDF_MODULE = "mlsysim.macros.xlwings_udfs"
SETTINGS = (("UDF Modules", UDF_MODULE),)


def write_xlwings_conf(workbook: Any) -> Any:
    ws = workbook.create_sheet(SHEET)
    for row, (key, value) in enumerate(SETTINGS, start=1):
        ws.cell(row, 1, key)
        ws.cell(row, 2, value)
    ws.column_dimensions["A"].width = 16.0
    ws.column_dimensions["B"].width = 32.0
    protect(ws)
    return ws
