"""The ``xlwings.conf`` sheet: the classic xlwings add-in reads its settings from a sheet of this
name before the ribbon's, so the workbook itself says which Python module holds the MLSYS_*
functions (see macros/README.md, the classic add-in's step 5).

xlwings reads column A (the key, any case) and B (the value) from row 1 down to the first empty
cell of column A (``GetConfigFromSheet`` in xlwings' VBA); a key with an empty value overrides the
ribbon with nothing, so only ``UDF Modules`` is written. The cells a user adds settings in (A:B,
the first ``EDITABLE_ROWS`` rows) are unlocked input cells; the sheet stays protected otherwise.
The help text sits in column D, which xlwings does not read.
"""

from __future__ import annotations

from typing import Any

from . import styles
from .layout import protect

SHEET = "xlwings.conf"
UDF_MODULE = "mlsysim.macros.xlwings_udfs"
SETTINGS = (("UDF Modules", UDF_MODULE),)
EDITABLE_ROWS = 20
HELP = (
    "Settings of the classic xlwings add-in: key in column A, value in column B, one per row, no empty "
    "row in between. Optional keys: Interpreter_Win (full path of pythonw.exe), Conda Path and Conda "
    "Env (two keys, for conda). Not used by xlwings Lite or xlwings Server. See macros/README.md."
)


def write_xlwings_conf(workbook: Any) -> Any:
    ws = workbook.create_sheet(SHEET)
    for row in range(1, EDITABLE_ROWS + 1):
        for column in (1, 2):
            ws.cell(row, column).style = styles.INPUT.name
    for row, (key, value) in enumerate(SETTINGS, start=1):
        ws.cell(row, 1, key)
        ws.cell(row, 2, value)
    ws.cell(1, 4, HELP).style = styles.LABEL.name
    ws.column_dimensions["A"].width = 16.0
    ws.column_dimensions["B"].width = 32.0
    ws.column_dimensions["D"].width = 100.0
    protect(ws)
    return ws
