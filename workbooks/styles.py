"""Cell styles of a planning workbook: one style per role, so a reader tells inputs from formulas.

Roles follow the FAST Standard (inputs distinct from calculations, calculations locked) and the
ICAEW Financial Modelling Code (units visible, checks prominent). Each role is a named style, so
Excel and LibreOffice show it in their style lists; ``Palette.style_array`` gives the style of a
(role, number format) pair once, and cells copy it (the fast path for thousands of rows).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Protection, Side
from openpyxl.workbook import Workbook

_THIN = Side(style="thin", color="BFBFBF")


@dataclass(frozen=True, slots=True)
class Role:
    """A named cell style and what it means (the About sheet's legend)."""

    name: str
    meaning: str
    font: Font
    fill: PatternFill | None
    locked: bool
    wrap: bool = False


def _fill(rgb: str) -> PatternFill:
    return PatternFill("solid", fgColor=rgb)


INPUT = Role(
    "mlsys Input",
    "Input: type or pick a value here (unlocked). Catalog sheets are inputs too.",
    Font(color="1F3FBF"),
    _fill("FFF2CC"),
    locked=False,
)
FORMULA = Role(
    "mlsys Formula",
    "Native formula (SUM, INDEX/MATCH, ...): locked; audit it in the formula bar.",
    Font(color="000000"),
    None,
    locked=True,
)
ENGINE = Role(
    "mlsys Engine",
    "Engine formula (MLSYS_*): locked; the value is a snapshot until recomputed live or headless.",
    Font(color="000000"),
    _fill("DDEBF7"),
    locked=True,
)
LINK = Role(
    "mlsys Link",
    "Link to another sheet (=Serving!A4): locked; change the source cell instead.",
    Font(color="375623"),
    None,
    locked=True,
)
LABEL = Role(
    "mlsys Label",
    "Label written by the generator (row origin, notes): locked text.",
    Font(color="595959", italic=True),
    None,
    locked=True,
)
HEADER = Role(
    "mlsys Header",
    "Column header, with the unit in brackets.",
    Font(bold=True, color="FFFFFF"),
    _fill("305496"),
    locked=True,
    wrap=True,
)
TITLE = Role("mlsys Title", "Sheet title.", Font(bold=True, size=14, color="305496"), None, locked=True)
CHECK = Role(
    "mlsys Check",
    "Check: TRUE/OK when all is well (green), FALSE (red) points to the Checks sheet.",
    Font(bold=True),
    None,
    locked=True,
)

ROLES = (INPUT, FORMULA, ENGINE, LINK, LABEL, HEADER, TITLE, CHECK)

# Number formats that show the unit of a column (the header repeats it).
GENERAL = "General"
TEXT = "@"
WHOLE = "#,##0"
NUMBER = "#,##0.00"
PRECISE = "#,##0.0000"
SCIENTIFIC = "0.00E+00"
PERCENT = "0.0%"
USD = '"$"#,##0'
USD_CENTS = '"$"#,##0.00'
USD_PRECISE = '"$"#,##0.0000'
MS = '#,##0.00" ms"'
HOURS = '#,##0.0" h"'
MINUTES = '#,##0.0" min"'
DAYS = '#,##0.0" d"'
GB = '#,##0.00" GB"'
KW = '#,##0.00" kW"'
MWH = '#,##0.00" MWh"'
TCO2E = '#,##0.00" tCO2e"'
M3 = '#,##0.00" m³"'
TOKENS_S = '#,##0" tok/s"'
FLAG = "0"
YES_NO = '"yes";"yes";"NO"'  # 1/0 shown as yes/NO


def install(workbook: Workbook) -> None:
    """Register every role as a named style of ``workbook``."""
    for role in ROLES:
        workbook.add_named_style(
            NamedStyle(
                name=role.name,
                font=copy.copy(role.font),
                fill=copy.copy(role.fill) if role.fill else PatternFill(),
                border=Border(bottom=_THIN) if role is HEADER else Border(),
                alignment=Alignment(wrap_text=role.wrap, vertical="top" if role.wrap else None),
                protection=Protection(locked=role.locked),
            )
        )


class Palette:
    """Style arrays per (role, number format), computed once per worksheet and copied to cells."""

    def __init__(self, worksheet) -> None:
        self._worksheet = worksheet
        self._cache: dict[tuple[str, str], object] = {}

    def style_array(self, role: Role, number_format: str = GENERAL):
        key = (role.name, number_format)
        found = self._cache.get(key)
        if found is None:
            prototype = Cell(self._worksheet)
            prototype.style = role.name
            if number_format != GENERAL:
                prototype.number_format = number_format
            found = self._cache[key] = prototype._style
        return found

    def apply(self, cell: Cell, role: Role, number_format: str = GENERAL) -> None:
        cell._style = copy.copy(self.style_array(role, number_format))
