"""Table sheets: a title row with the master check, a note, a header row with units, then one
record per row, each column with one role (input, formula, engine, link, label) and one format.

Formulas are templates: ``{key}`` is this row's cell of column ``key`` (``E4``), and a sheet may
add its own placeholders per row (``{src}`` → ``Serving!A4``). Catalog text never passes through
a template; it is written as text even when it starts with ``=``, ``+``, ``-`` or ``@``.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from openpyxl.cell.cell import Cell
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from . import styles
from .names import MASTER_CHECK
from .styles import GENERAL, Palette, Role

TITLE_ROW, NOTE_ROW, HEADER_ROW, FIRST_ROW = 1, 2, 3, 4
# Empty rows every table keeps below its data: ranges, dropdowns and checks already cover them,
# so a user adds a scenario or a catalog entry by filling the next row.
SPARE_ROWS = 100
_FORMULA_START = ("=", "+", "-", "@")
RED = PatternFill("solid", fgColor="F8CBAD")
GREEN = PatternFill("solid", fgColor="C6EFCE")
AMBER = PatternFill("solid", fgColor="FFE699")


@dataclass(frozen=True, slots=True)
class Col:
    """One column: header text (with unit), role, number format, width and formula template."""

    key: str
    header: str
    role: Role
    fmt: str = GENERAL
    width: float = 13.0
    formula: str = ""


def put_text(cell: Any, value: str) -> None:
    """Write ``value`` as text: never a formula, whatever it starts with."""
    cell.value = value
    if value.startswith(_FORMULA_START):
        cell.data_type = "s"
        cell.quotePrefix = True


def put_value(cell: Any, value: Any) -> None:
    if isinstance(value, str):
        put_text(cell, value)
    else:
        cell.value = value


class Table:
    """A table sheet: ``columns`` from column A, records from ``FIRST_ROW``."""

    def __init__(self, workbook: Any, title: str, columns: Sequence[Col]) -> None:
        self.worksheet = workbook.create_sheet(title)
        self.title = title
        self.columns = tuple(columns)
        self.palette = Palette(self.worksheet)
        self._letters = {c.key: get_column_letter(i) for i, c in enumerate(self.columns, start=1)}
        self.rows = 0
        self.last_row = FIRST_ROW - 1  # last row inside the capacity (data + spare rows)

    # -- references -----------------------------------------------------------------------------
    def letter(self, key: str) -> str:
        return self._letters[key]

    @property
    def sheet_ref(self) -> str:
        return quote_sheetname(self.title)

    def cell_ref(self, key: str, row: int) -> str:
        """``Serving!P4``: the cell of column ``key`` in ``row`` from another sheet."""
        return f"{self.sheet_ref}!{self.letter(key)}{row}"

    def column_range(self, key: str, *, rows: int | None = None) -> str:
        """``Serving!$P$4:$P$107``: column ``key`` over the data (``rows``) or the whole capacity."""
        last = FIRST_ROW + rows - 1 if rows is not None else self.last_row
        col = self.letter(key)
        return f"{self.sheet_ref}!${col}${FIRST_ROW}:${col}${last}"

    def block_range(self) -> str:
        """All columns over the capacity rows (``Hardware!$A$4:$AB$127``)."""
        last = get_column_letter(len(self.columns))
        return f"{self.sheet_ref}!$A${FIRST_ROW}:${last}${self.last_row}"

    # -- writing --------------------------------------------------------------------------------
    def frame(self, heading: str, note: str, *, header_height: float = 45.0) -> None:
        """Title, master check, note, header row, column widths and frozen panes."""
        ws = self.worksheet
        ws.cell(TITLE_ROW, 1, heading).style = styles.TITLE.name
        label = ws.cell(TITLE_ROW, 2, "Master check")
        label.style = styles.LABEL.name
        check = ws.cell(TITLE_ROW, 3, f'=IF({MASTER_CHECK},"OK","FAILED: see Checks")')
        check.style = styles.CHECK.name
        master_check_colours(ws, f"C{TITLE_ROW}")
        put_text(ws.cell(NOTE_ROW, 1), note)
        ws.cell(NOTE_ROW, 1).style = styles.LABEL.name
        for i, column in enumerate(self.columns, start=1):
            cell = ws.cell(HEADER_ROW, i, column.header)
            cell.style = styles.HEADER.name
            ws.column_dimensions[get_column_letter(i)].width = column.width
        ws.row_dimensions[HEADER_ROW].height = header_height
        ws.freeze_panes = f"B{FIRST_ROW}"

    def write(
        self,
        records: Iterable[Mapping[str, Any]],
        *,
        count: int,
        links: Callable[[int, int], Mapping[str, str]] | None = None,
        spare: int = SPARE_ROWS,
    ) -> None:
        """One row per record: inputs and labels from the record, formulas from the templates.

        ``links(index, row)`` adds per-row placeholders for the templates (cells of other sheets).
        Spare rows below get the input style on input columns, so new rows look like inputs.
        """
        ws = self.worksheet
        if ws.max_row != HEADER_ROW:
            raise RuntimeError(f"{self.title}: write the frame, then the records, once")
        plan = [
            (c.formula, c.key, self.palette.style_array(c.role, c.fmt), c.role is styles.INPUT)
            for c in self.columns
        ]
        letters = [(c.key, self._letters[c.key]) for c in self.columns]
        for index, record in enumerate(records):
            row = FIRST_ROW + index
            refs = {key: f"{letter}{row}" for key, letter in letters}
            if links is not None:
                refs.update(links(index, row))
            cells = []
            for formula, key, array, _ in plan:
                cell = Cell(ws, style_array=copy.copy(array))
                if formula:
                    cell.value = formula.format_map(refs)
                else:
                    put_value(cell, record.get(key))
                cells.append(cell)
            ws.append(cells)
        self.rows = count
        self.last_row = FIRST_ROW + count + spare - 1
        for _ in range(FIRST_ROW + count, self.last_row + 1):
            ws.append(
                [Cell(ws, style_array=copy.copy(array)) if is_input else None for *_, array, is_input in plan]
            )

    def dropdown(self, key: str, source: str, prompt: str) -> None:
        """A list validation on column ``key`` (data and spare rows) from ``source`` (a name or
        a quoted list)."""
        validation = DataValidation(type="list", formula1=source, allow_blank=True)
        validation.error = f"Pick a value from the list ({prompt})."
        validation.errorTitle = "Not in the list"
        validation.showErrorMessage = True
        self._validate(validation, key)

    def whole_number(self, key: str, minimum: int = 1) -> None:
        validation = DataValidation(type="whole", operator="greaterThanOrEqual", formula1=str(minimum))
        validation.error = f"A whole number >= {minimum}."
        validation.showErrorMessage = True
        self._validate(validation, key)

    def positive_number(self, key: str) -> None:
        validation = DataValidation(type="decimal", operator="greaterThan", formula1="0")
        validation.error = "A number > 0."
        validation.showErrorMessage = True
        self._validate(validation, key)

    def _validate(self, validation: DataValidation, key: str) -> None:
        col = self.letter(key)
        validation.add(f"{col}{FIRST_ROW}:{col}{self.last_row}")
        self.worksheet.add_data_validation(validation)

    def highlight_rows(self, condition: str, fill: PatternFill) -> None:
        """Fill a whole row when ``condition`` (a formula on row ``FIRST_ROW``, e.g. ``$M4=FALSE``)
        holds."""
        last = get_column_letter(len(self.columns))
        area = f"A{FIRST_ROW}:{last}{self.last_row}"
        self.worksheet.conditional_formatting.add(area, FormulaRule(formula=[condition], fill=fill))

    def protect(self) -> None:
        protect(self.worksheet)


def protect(worksheet: Any) -> None:
    """Sheet protection without a password: locked cells (formulas) cannot be typed over by
    mistake; Review → Unprotect Sheet lifts it. Column widths and row heights stay adjustable."""
    protection = worksheet.protection
    protection.sheet = True
    protection.formatColumns = False
    protection.formatRows = False


def master_check_colours(worksheet: Any, cell: str) -> None:
    worksheet.conditional_formatting.add(
        cell, FormulaRule(formula=[f"{MASTER_CHECK}=TRUE"], fill=GREEN, font=Font(bold=True, color="006100"))
    )
    worksheet.conditional_formatting.add(
        cell, FormulaRule(formula=[f"{MASTER_CHECK}=FALSE"], fill=RED, font=Font(bold=True, color="9C0006"))
    )
