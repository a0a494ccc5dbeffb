"""From the cells read to the formulas to evaluate: one ``Instance`` per formula cell, grouped by
compiled template.

Shared formulas (ECMA-376 Part 1 §18.3.1.40: one master ``<f t="shared" ref si>`` with its text,
dependents with only ``si``) are the master's formula at the dependent's cell: in R1C1 terms the
same formula, so they share its template. A multi-cell array formula is one instance, in a group of
its own, whose result fills its range (``spills``). Data tables are refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import spills
from .cellref import address, label
from .compiler import CompileError, Compiler, Names, Template
from .sheet_reader import FormulaCell, SheetCells
from .workbook_xml import WorkbookMap

MAX_PROBLEMS = 10


@dataclass(slots=True)
class Instance:
    """One formula cell: where it is and which compiled formula it runs."""

    sheet: int
    row: int
    col: int
    template: Template
    level: int = 0
    spill: tuple[int, int, int, int] | None = None  # an array formula's range (r1, c1, r2, c2)


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
                if cell.kind == "array" and (box := spills.area(cell.ref)):
                    self._check_range(index, cell, box, present[index])

    def groups(self) -> tuple[list[tuple[Template, list[tuple[int, int]]]], list[list[int]]]:
        """[(template, cells)] and, per group, the indexes of its instances."""
        by_template: dict[int, int] = {}
        groups: list[tuple[Template, list[tuple[int, int]]]] = []
        members: list[list[int]] = []
        for i, inst in enumerate(self.instances):
            key = id(inst) if inst.spill else id(inst.template)  # an array formula stands alone
            g = by_template.get(key)
            if g is None:
                g = by_template[key] = len(groups)
                groups.append((inst.template, []))
                members.append([])
            groups[g][1].append((inst.row, inst.col))
            members[g].append(i)
        return groups, members

    def formula_text(self, i: int) -> str:
        """The formula of cell ``i`` as written (a shared dependent's text is derived)."""
        cell = self.cells[i]
        if cell.text is not None:
            return cell.text
        master = self.masters[self.instances[i].sheet].get(cell.shared_index)
        if master is None or master.text is None:
            return ""
        from openpyxl.formula.translate import Translator

        moved = Translator("=" + master.text, origin=address(master.row, master.col))
        return moved.translate_formula(address(cell.row, cell.col))[1:]

    def _add(self, sheet: int, cell: FormulaCell, masters: dict[Any, FormulaCell]) -> None:
        where = (self.sheet_names[sheet], cell.row, cell.col)
        if cell.kind == "dataTable":
            return self._problem(where, cell.text or "", "data tables (What-If Analysis) are not supported")
        box = spills.area(cell.ref) if cell.kind == "array" else None
        text = cell.text
        if text is None and cell.kind == "shared":
            master = masters.get(cell.shared_index)
            if master is None or master.text is None:
                return self._problem(where, "", f"shared formula {cell.shared_index} has no master cell")
            try:
                template, _, _ = self.compiler.template(master.text, sheet, master.row, master.col)
            except CompileError as exc:
                return self._problem(where, master.text, exc.problem)
        elif text is None:
            return self._problem(where, "", "the formula is empty")
        else:
            try:
                template, _, _ = self.compiler.template(text, sheet, cell.row, cell.col)
            except CompileError as exc:
                return self._problem(where, text, exc.problem)
        self.instances.append(Instance(sheet, cell.row, cell.col, template, spill=box))
        self.cells.append(cell)
        return None

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
