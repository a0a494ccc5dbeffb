"""From the cells read to the formulas to evaluate: one ``Instance`` per formula cell.

Shared formulas (ECMA-376 Part 1 §18.3.1.40: one master ``<f t="shared" ref si>`` with its text,
dependents with only ``si``) are the master's formula copied to each dependent's cell; when the
master's compiled formula cannot serve copies, openpyxl's ``Translator`` (Excel's relative-address
rule) spells the dependent's text out. A multi-cell array formula is one instance whose result fills
its range (``arrays``). Data tables are refused.
"""

from __future__ import annotations

from dataclasses import dataclass

from openpyxl.formula.translate import Translator

from . import arrays
from .cellref import address, label
from .compiler import CompileError, Compiler, Names
from .graph import Instance
from .sheet_reader import FormulaCell, SheetCells
from .workbook_xml import WorkbookMap

MAX_PROBLEMS = 10


@dataclass(frozen=True, slots=True)
class Problem:
    where: str
    formula: str
    problem: str

    def __str__(self) -> str:
        return f"{self.where}: {self.problem} in ={self.formula}"


class Model:
    """Compiled formulas and their cells; ``problems`` lists formulas that cannot be evaluated."""

    def __init__(self, book: WorkbookMap, sheets: list[SheetCells]) -> None:
        names = [s.sheet.name for s in sheets]
        defined = [(n.name, n.text, n.sheet) for n in book.names]
        self.compiler = Compiler(names, Names(defined))
        self.sheet_names = names
        self.parts = [s.sheet.part for s in sheets]
        self.instances: list[Instance] = []
        self.cells: list[FormulaCell] = []
        self.problems: list[Problem] = []
        self.masters = [
            {f.shared_index: f for f in sheet.formulas if f.kind == "shared" and f.text} for sheet in sheets
        ]
        self.spills = [sheet.spills for sheet in sheets]  # value cells of array ranges, per sheet
        present = [{(c.row, c.col) for c in sheet.spills} for sheet in sheets]
        for index, sheet in enumerate(sheets):
            for cell in sheet.formulas:
                self._add(index, cell, self.masters[index])
                if cell.kind == "array" and (spill := arrays.area(cell.ref)):
                    self._check_range(index, cell, spill, present[index])

    def formula_text(self, i: int) -> str:
        """The formula of cell ``i`` as written (a shared dependent's text is derived)."""
        cell = self.cells[i]
        if cell.text is not None:
            return cell.text
        return self._dependent_text(cell, self.masters[self.instances[i].sheet].get(cell.shared_index))

    def _add(self, sheet: int, cell: FormulaCell, masters: dict) -> None:
        where = (self.sheet_names[sheet], cell.row, cell.col)
        if cell.kind == "dataTable":
            return self._problem(where, cell.text or "", "data tables (What-If Analysis) are not supported")
        spill = arrays.area(cell.ref) if cell.kind == "array" else None
        text = cell.text
        master = None
        if text is None and cell.kind == "shared":
            master = masters.get(cell.shared_index)
            if master is None:
                return self._problem(where, "", f"shared formula {cell.shared_index} has no master cell")
        elif text is None:
            return self._problem(where, "", "the formula is empty")
        try:
            if master is not None:
                template, dr, dc = self.compiler.template(master.text, sheet, master.row, master.col)
                if template.shared:
                    dr, dc = cell.row - template.row, cell.col - template.col
                else:
                    text = self._dependent_text(cell, master)
                    template, dr, dc = self.compiler.template(text, sheet, cell.row, cell.col)
            else:
                template, dr, dc = self.compiler.template(text, sheet, cell.row, cell.col)
        except CompileError as exc:
            return self._problem(where, text or (master.text if master else ""), exc.problem)
        self.instances.append(Instance(sheet, cell.row, cell.col, template, dr, dc, spill=spill))
        self.cells.append(cell)
        return None

    def _check_range(self, sheet: int, cell: FormulaCell, spill: arrays.Area, present: set) -> None:
        """Every cell of an array formula's range must be in the file to take its cached value."""
        r1, c1, r2, c2 = spill
        missing = [
            address(r, c)
            for r in range(r1, r2 + 1)
            for c in range(c1, c2 + 1)
            if (r, c) != (r1, c1) and (r, c) not in present
        ]
        if missing:
            shown = ", ".join(missing[:3]) + (f" and {len(missing) - 3} more" if len(missing) > 3 else "")
            where = (self.sheet_names[sheet], cell.row, cell.col)
            problem = (
                f"cells {shown} of the array formula's range {cell.ref} are not in the file (write them)"
            )
            self._problem(where, cell.text or "", problem)

    @staticmethod
    def _dependent_text(cell: FormulaCell, master: FormulaCell | None) -> str:
        if master is None:
            return ""
        moved = Translator("=" + master.text, origin=address(master.row, master.col))
        return moved.translate_formula(address(cell.row, cell.col))[1:]

    def _problem(self, where: tuple[str, int, int], formula: str, problem: str) -> None:
        self.problems.append(Problem(label(*where), formula, problem))
