"""From the cells read to the formulas to evaluate: formula cells grouped by compiled template.

A group (``Copies``) is every copy of one compiled formula on a sheet: a formula filled down a
column (or across) is one formula in R1C1 terms. Each cell is first compared with the text the
previous template in its column would have at its row (``Template.predict``); only a formula that
differs is tokenised and, if new, compiled. Shared formulas (ECMA-376 Part 1 §18.3.1.40: one
master ``<f t="shared" ref si>`` with its text, dependents with only ``si``) are the master's
formula at the dependent's cell: in R1C1 terms the same formula, so they share its template. A
multi-cell array formula is a group of its own, whose result fills its range (``spills``). Data
tables are refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from . import spills
from .cellref import address, label
from .compiler import CompileError, Compiler, Names, Template
from .sheet_reader import FormulaCell, SheetCells
from .workbook_xml import WorkbookMap

MAX_PROBLEMS = 10


@dataclass(slots=True)
class Copies:
    """The cells of one sheet that run one compiled formula: ``ks`` are their positions in the
    sheet's formula cells (document order), ``cells`` their (row, column)."""

    template: Template
    sheet: int
    ks: list[int] = field(default_factory=list)
    cells: list[tuple[int, int]] = field(default_factory=list)
    spill: tuple[int, int, int, int] | None = None  # an array formula's range (r1, c1, r2, c2)
    level: int = 0  # its dependency level, set by the evaluation


@dataclass(frozen=True, slots=True)
class Problem:
    where: str
    formula: str
    problem: str

    def __str__(self) -> str:
        return f"{self.where}: {self.problem} in ={self.formula}"


class Model:
    """Compiled formulas and their cells (``copies``); ``problems`` lists formulas that cannot be
    evaluated."""

    def __init__(self, book: WorkbookMap, sheets: list[SheetCells]) -> None:
        names = [s.sheet.name for s in sheets]
        defined = [(n.name, n.text, n.sheet) for n in book.names]
        self.compiler = Compiler(names, Names(defined))
        self.sheet_names = names
        self.sheets = sheets
        self.parts = [s.sheet.part for s in sheets]
        self.copies: list[Copies] = []
        self.problems: list[Problem] = []
        self.masters = [
            {f.shared_index: f for f in sheet.formulas if f.kind == "shared" and f.text} for sheet in sheets
        ]
        self.spills = [sheet.spills for sheet in sheets]  # value cells of array ranges, per sheet
        for index, sheet in enumerate(sheets):
            self._add_sheet(index, sheet)
        self.cell_count = sum(len(c.ks) for c in self.copies)

    def groups(self) -> tuple[list[tuple[Template, list[tuple[int, int]]]], list[Copies]]:
        """[(template, cells)] per group, and the groups themselves."""
        return [(c.template, c.cells) for c in self.copies], self.copies

    def formula_text(self, sheet: int, k: int) -> str:
        """The formula of the ``k``-th formula cell of ``sheet`` as written (a shared dependent's
        text is derived from its master's)."""
        cells = self.sheets[sheet]
        text = cells.texts[k]
        if text is not None or cells.common:
            return text or ""
        cell = cells.formulas[k]
        master = self.masters[sheet].get(cell.shared_index)
        if master is None or master.text is None:
            return ""
        from openpyxl.formula.translate import Translator

        moved = Translator("=" + master.text, origin=address(master.row, master.col))
        return moved.translate_formula(address(cell.row, cell.col))[1:]

    def _add_sheet(self, sheet: int, cells: SheetCells) -> None:
        rows, cols, texts = cells.rows, cells.cols, cells.texts
        kinds = None if cells.common else cells.formulas
        by_template: dict[int, Copies] = {}
        # column -> the template last used there: its text format, row offsets and group
        last: dict[int, tuple[Any, tuple[int, ...], Copies]] = {}
        last_get = last.get
        present = {(c.row, c.col) for c in cells.spills}
        for k in range(len(rows)):
            row, col, text = rows[k], cols[k], texts[k]
            cell = kinds[k] if kinds is not None else None
            if text is not None and (cell is None or cell.kind == "normal"):
                seen = last_get(col)
                if seen is not None:  # a copy of it has this text here (``Template.predict``)
                    fmt, deltas, group = seen
                    predicted = fmt(row + deltas[0]) if len(deltas) == 1 else fmt(*[row + d for d in deltas])
                    if predicted == text:
                        group.ks.append(k)
                        group.cells.append((row, col))
                        continue
            found = self._template(sheet, row, col, text, cell)
            box = spills.area(cell.ref) if cell is not None and cell.kind == "array" else None
            if box is not None:
                assert cell is not None
                self._check_range(sheet, cell, box, present)
            if found is None:
                continue
            template = found
            if box is not None:  # an array formula stands alone
                self.copies.append(Copies(template, sheet, [k], [(row, col)], box))
                continue
            known = by_template.get(id(template))
            if known is None:
                known = by_template[id(template)] = Copies(template, sheet)
                self.copies.append(known)
            known.ks.append(k)
            known.cells.append((row, col))
            if template.col == col and template.text_format is not None:
                last[col] = (template.text_format.format, template.row_deltas, known)

    def _template(
        self, sheet: int, row: int, col: int, text: str | None, cell: FormulaCell | None
    ) -> Template | None:
        """The compiled formula of one cell; None (a problem) if it has none."""
        where = (self.sheet_names[sheet], row, col)
        kind = cell.kind if cell is not None else "normal"
        if kind == "dataTable":
            self._problem(where, text or "", "data tables (What-If Analysis) are not supported")
            return None
        if text is None and kind == "shared":
            assert cell is not None
            master = self.masters[sheet].get(cell.shared_index)
            if master is None or master.text is None:
                self._problem(where, "", f"shared formula {cell.shared_index} has no master cell")
                return None
            text, row, col = master.text, master.row, master.col
        elif text is None:
            self._problem(where, "", "the formula is empty")
            return None
        try:
            template, _, _ = self.compiler.template(text, sheet, row, col)
        except CompileError as exc:
            self._problem(where, text, exc.problem)
            return None
        return template

    def _check_range(self, sheet: int, cell: FormulaCell, box: spills.Box, present: set) -> None:
        """Every cell of an array formula's range must be in the file to take its cached value."""
        r1, c1, r2, c2 = box
        missing = [
            address(r, c)
            for r in range(r1, r2 + 1)
            for c in range(c1, c2 + 1)
            if (r, c) != (r1, c1) and (r, c) not in present
        ]
        if missing:
            shown = ", ".join(missing[:3]) + (f" and {len(missing) - 3} more" if len(missing) > 3 else "")
            where = (self.sheet_names[sheet], cell.row, cell.col)
            problem = f"cells {shown} of the array formula's range {cell.ref} are not in the file"
            problem += " (write them)"
            self._problem(where, cell.text or "", problem)

    def _problem(self, where: tuple[str, int, int], formula: str, problem: str) -> None:
        self.problems.append(Problem(label(*where), formula, problem))
