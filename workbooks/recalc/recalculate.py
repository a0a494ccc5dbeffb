"""``recalc``: read a workbook, evaluate every formula, write it back with current cached values.

Steps: open the package within the limits (``package``), read the workbook map and every
worksheet (``workbook_xml``, ``sheet_reader``), compile each distinct formula once (``model``,
``compiler``), order the cells and refuse circular references (``graph``), evaluate level by level
(``evaluator``), then write the output and the summary atomically (``writer``, ``summary``).
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from mlsysim.errors import InvalidInputError

from . import arrays, graph, writer
from . import summary as summaries
from .cellref import address
from .compiler import CompileError
from .errors import UnusableWorkbookError
from .evaluator import Group, Workbook
from .graph import Instance
from .model import MAX_PROBLEMS, Model
from .package import Package
from .report import CellError, RecalcReport
from .sheet_reader import read_sheets
from .values import is_error, shown
from .workbook_xml import read_map

MASTER_CHECK = "MasterCheck"
Progress = Callable[[int, int], None]


def recalc(
    path: str | Path,
    out: str | Path | None = None,
    *,
    in_place: bool = False,
    summary: str | Path | None = None,
    check: bool = False,
    progress: Progress | None = None,
) -> RecalcReport:
    """Recompute every formula of the workbook at ``path``.

    ``out``: where to write the recomputed workbook (``in_place=True``: over ``path``; neither:
    evaluate and report only). ``summary``: a .json or .csv file of key outputs per scenario.
    ``check``: the report's exit code also requires the defined name ``MasterCheck`` to be TRUE.
    ``progress(done, total)`` is called as formula cells are evaluated.
    Raises ``UnusableWorkbookError`` (an ``InvalidInputError``) for input it cannot recompute.
    """
    source = Path(path)
    target = _target(source, out, in_place)
    summary_path = _summary_path(summary)
    clock = time.perf_counter()
    seconds: dict[str, float] = {}
    pkg = Package(source)
    try:
        book_map = read_map(pkg)
        sheets = read_sheets(pkg, book_map.sheets, book_map.shared_strings)
        model = Model(book_map, sheets)
        if model.problems:
            raise _unevaluable(source, model)
        try:
            level_count = graph.levels(model.instances, model.sheet_names) if model.instances else 0
        except graph.CircularReference as exc:
            raise UnusableWorkbookError(source, f"circular reference: {exc}") from None
        seconds["read"] = time.perf_counter() - clock
        clock = time.perf_counter()
        book = Workbook(
            model.sheet_names, [s.values for s in sheets], [(s.max_row, s.max_col) for s in sheets]
        )
        results = _evaluate(book, model.instances, progress)
        master = _master_check(model, book, source, required=check)
        errors = _errors(model, results, book)
        positions = [[(c.row, c.col) for c in s.formulas] for s in sheets]
        tables = summaries.scenarios(model.sheet_names, book.values, positions)
        seconds["evaluate"] = time.perf_counter() - clock
        clock = time.perf_counter()
        if target is not None:
            patches = _patched(pkg, book_map.part, model, results, _spill_values(model, book))
            writer.write_package(pkg, target, patches)
        if summary_path is not None:
            summaries.write(summaries.document(source.name, master, len(errors), tables), summary_path)
        seconds["write"] = time.perf_counter() - clock
    finally:
        pkg.close()
    return RecalcReport(
        source=source,
        output=target,
        summary_path=summary_path,
        formula_cells=len(model.instances),
        compiled_formulas=len({id(i.template) for i in model.instances}),
        levels=level_count,
        errors=tuple(errors),
        master_check=master,
        checked=check,
        scenarios=tables,
        seconds=seconds,
    )


def _target(source: Path, out: str | Path | None, in_place: bool) -> Path | None:
    if in_place and out is not None:
        raise InvalidInputError("out", str(out), "give an output file or in_place=True, not both")
    if in_place:
        return source
    if out is None:
        return None
    target = Path(out)
    if target.exists() and source.exists() and target.resolve() == source.resolve():
        raise InvalidInputError(
            "out", str(out), "is the input workbook; use in_place=True (--in-place) to overwrite it"
        )
    if not target.parent.is_dir():
        raise InvalidInputError("out", str(out), "its folder does not exist")
    return target


def _summary_path(summary_file: str | Path | None) -> Path | None:
    if summary_file is None:
        return None
    p = Path(summary_file)
    if p.suffix.lower() not in (".json", ".csv"):
        raise InvalidInputError("summary", str(summary_file), "a file name ending in .json or .csv")
    if not p.parent.is_dir():
        raise InvalidInputError("summary", str(summary_file), "its folder does not exist")
    return p


def _unevaluable(source: Path, model: Model) -> UnusableWorkbookError:
    listed = "; ".join(str(p) for p in model.problems[:MAX_PROBLEMS])
    more = f" (and {len(model.problems) - MAX_PROBLEMS} more)" if len(model.problems) > MAX_PROBLEMS else ""
    return UnusableWorkbookError(source, f"formulas the recompute cannot evaluate: {listed}{more}")


def _evaluate(book: Workbook, instances: list[Instance], progress: Progress | None) -> list[Any]:
    """Values of all formula cells, in ``instances`` order (an array formula: its top-left cell's;
    the values of the rest of its range go into ``book.values``)."""
    groups: dict[tuple[int, int], list[int]] = defaultdict(list)
    for i, cell in enumerate(instances):
        groups[cell.level, id(cell) if cell.spill else id(cell.template)].append(i)
    results: list[Any] = [None] * len(instances)
    done = 0
    for key in sorted(groups, key=lambda k: k[0]):
        members = groups[key]
        cells = [instances[i] for i in members]
        values = [_fill(book, cells[0])] if cells[0].spill else Group(book, cells).run()
        for i, value in zip(members, values, strict=True):
            cell = instances[i]
            book.values[cell.sheet][cell.row, cell.col] = value
            results[i] = value
        done += len(members)
        if progress:
            progress(done, len(instances))
    return results


def _fill(book: Workbook, cell: Instance) -> Any:
    """Evaluate an array formula once and spread its result over its range; the top-left value."""
    r1, c1, r2, c2 = cell.spill  # type: ignore[misc]
    with np.errstate(all="ignore"):
        _, result = Group(book, [cell]).node(cell.template.tree, raw=True)
    grid = arrays.spread(result, r2 - r1 + 1, c2 - c1 + 1)
    cells = book.values[cell.sheet]
    for i, line in enumerate(grid):
        for j, value in enumerate(line):
            cells[r1 + i, c1 + j] = value
    return grid[0][0]


def _spill_values(model: Model, book: Workbook) -> list[list[Any]]:
    """Per sheet, the computed value of each array-range cell ``model.spills`` lists."""
    return [[book.values[i][c.row, c.col] for c in spills] for i, spills in enumerate(model.spills)]


def _errors(model: Model, results: list[Any], book: Workbook) -> list[CellError]:
    """Error cells, root causes first (lowest dependency level), then by sheet and position; the
    cells of an array formula's range after its top-left cell."""
    spills: list[tuple[int, int, int, int]] = []  # (level, sheet, row, col) of a range cell in error
    owners = {(inst.sheet, inst.spill): i for i, inst in enumerate(model.instances) if inst.spill}
    for sheet, cells in enumerate(model.spills):
        for c in cells:
            if is_error(book.values[sheet][c.row, c.col]):
                spills.append((sheet, c.row, c.col, _owner(owners, sheet, c.row, c.col)))
    bad = [i for i, v in enumerate(results) if is_error(v)]
    bad.sort(
        key=lambda i: (
            model.instances[i].level,
            model.instances[i].sheet,
            model.instances[i].row,
            model.instances[i].col,
        )
    )
    return [
        CellError(
            model.sheet_names[model.instances[i].sheet],
            address(model.instances[i].row, model.instances[i].col),
            model.formula_text(i),
            shown(results[i]),
        )
        for i in bad
    ] + [
        CellError(
            model.sheet_names[sheet],
            address(row, col),
            model.formula_text(owner),
            shown(book.values[sheet][row, col]),
        )
        for sheet, row, col, owner in sorted(spills, key=lambda s: (model.instances[s[3]].level, *s[:3]))
    ]


def _owner(owners: dict[tuple[int, Any], int], sheet: int, row: int, col: int) -> int:
    """The array formula whose range holds the cell."""
    for (s, (r1, c1, r2, c2)), i in owners.items():
        if s == sheet and r1 <= row <= r2 and c1 <= col <= c2:
            return i
    raise LookupError(f"no array formula covers row {row}, column {col}")


def _master_check(model: Model, book: Workbook, source: Path, *, required: bool) -> bool | None:
    """The value of the defined name ``MasterCheck`` (TRUE or a non-zero number passes)."""
    found = next((n for n in model.compiler.names.defs if n[0] == MASTER_CHECK.upper()), None)
    if found is None:
        if required:
            raise UnusableWorkbookError(
                source, f"--check needs the defined name {MASTER_CHECK} (the Checks sheet's master check)"
            )
        return None
    sheet = found[1] if found[1] is not None else 0
    try:
        template, _, _ = model.compiler.template(MASTER_CHECK, sheet, 1, 1)
    except CompileError as exc:
        raise UnusableWorkbookError(source, f"the defined name {MASTER_CHECK}: {exc.problem}") from None
    value = Group(book, [Instance(sheet, 1, 1, template, 0, 0)]).run()[0]
    return value is True or (isinstance(value, float) and value != 0.0)


def _patched(
    pkg: Package, workbook_part: str, model: Model, results: list[Any], spills: list[list[Any]]
) -> dict[str, bytes]:
    by_part: dict[str, tuple[list, list]] = {}
    parts = model.parts
    for cell, inst, value in zip(model.cells, model.instances, results, strict=True):
        cells, values = by_part.setdefault(parts[inst.sheet], ([], []))
        cells.append(cell)
        values.append(value)
    for sheet, spill_values in enumerate(spills):  # array ranges: in document order with the rest
        cells, values = by_part.setdefault(parts[sheet], ([], []))
        cells.extend(model.spills[sheet])
        values.extend(spill_values)
    patched = {}
    for part, (cells, values) in by_part.items():
        order = sorted(range(len(cells)), key=lambda k: cells[k].spans[0])
        patched[part] = writer.patch_sheet(
            pkg.read(part), [cells[k] for k in order], [values[k] for k in order]
        )
    patched[workbook_part] = writer.mark_current(pkg.read(workbook_part))
    return patched
