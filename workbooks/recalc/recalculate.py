"""``recalc``: read a workbook, evaluate every formula, write it back with current cached values.

Steps: open the package within the limits (``package``), read the workbook map and every
worksheet (``workbook_xml``, ``sheet_reader``), compile each distinct formula once (``model``,
``compiler``), order the cells and refuse circular references (``graph``), evaluate level by level
(``evaluator``), then write the output and the summary atomically (``writer``, ``summary``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mlsysim.errors import InvalidInputError

from . import graph, spills, writer, xmltext
from . import summary as summaries
from .arrays import TooLarge
from .cellref import address
from .compiler import CompileError
from .errors import UnusableWorkbookError
from .evaluator import Book, Group
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
    summary_path = _summary_path(summary, source, target)
    clock = time.perf_counter()
    seconds: dict[str, float] = {}
    pkg = Package(source)
    try:
        book_map = read_map(pkg)
        sheets = read_sheets(pkg, book_map.sheets, book_map.shared_strings)
        model = Model(book_map, sheets)
        if model.problems:
            raise _unevaluable(source, model)
        groups, members = model.groups()
        covered: dict[int, spills.Box] = {}  # array formulas' groups and the ranges they fill
        for g, ids in enumerate(members):
            if (box := model.instances[ids[0]].spill) is not None:
                covered[g] = box
        try:
            steps = graph.order(groups, model.sheet_names, covered)
        except graph.CircularReference as exc:
            raise UnusableWorkbookError(source, f"circular reference: {exc}") from None
        level_count = max((s.level for s in steps), default=-1) + 1
        seconds["read"] = time.perf_counter() - clock
        clock = time.perf_counter()
        book = Book(model.sheet_names, [s.values for s in sheets], [(s.max_row, s.max_col) for s in sheets])
        try:
            results = _evaluate(book, model, groups, members, steps, progress)
            master = _master_check(model, book, source, required=check)
        except TooLarge as exc:
            raise UnusableWorkbookError(
                source,
                f"a formula builds an array of {exc.args[0]:,} cells; the recompute stops at 20,000,000",
            ) from None
        errors = _errors(model, results, book)
        positions = [[(c.row, c.col) for c in s.formulas] for s in sheets]

        def tables() -> dict[str, list[dict[str, Any]]]:
            return summaries.scenarios(model.sheet_names, book.values, positions)

        seconds["evaluate"] = time.perf_counter() - clock
        clock = time.perf_counter()
        if target is not None:
            writer.write_package(pkg, target, _patched(pkg, book_map.part, model, sheets, results, book))
        if summary_path is not None:
            summaries.write(summaries.document(source.name, master, len(errors), tables()), summary_path)
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
        tables=tables,
        seconds=seconds,
    )


def _target(source: Path, out: str | Path | None, in_place: bool) -> Path | None:
    """Where to write: the real file behind a symbolic link (replacing the link itself would leave
    the file it points to stale), never the input unless ``in_place``."""
    if in_place and out is not None:
        raise InvalidInputError("out", str(out), "give an output file or in_place=True, not both")
    if in_place:
        return source.resolve()
    if out is None:
        return None
    target = Path(out).resolve()
    if target == source.resolve():
        raise InvalidInputError(
            "out", str(out), "is the input workbook; use in_place=True (--in-place) to overwrite it"
        )
    if not target.parent.is_dir():
        raise InvalidInputError("out", str(out), "its folder does not exist")
    return target


def _summary_path(summary_file: str | Path | None, source: Path, target: Path | None) -> Path | None:
    if summary_file is None:
        return None
    p = Path(summary_file)
    if p.suffix.lower() not in (".json", ".csv"):
        raise InvalidInputError("summary", str(summary_file), "a file name ending in .json or .csv")
    if not p.parent.is_dir():
        raise InvalidInputError("summary", str(summary_file), "its folder does not exist")
    resolved = p.resolve()
    if resolved == source.resolve():
        raise InvalidInputError("summary", str(summary_file), "is the input workbook; name another file")
    if target is not None and resolved == target:
        raise InvalidInputError("summary", str(summary_file), "is the output workbook; name another file")
    return resolved


def _unevaluable(source: Path, model: Model) -> UnusableWorkbookError:
    listed = "; ".join(str(p) for p in model.problems[:MAX_PROBLEMS])
    more = f" (and {len(model.problems) - MAX_PROBLEMS} more)" if len(model.problems) > MAX_PROBLEMS else ""
    return UnusableWorkbookError(source, f"formulas the recompute cannot evaluate: {listed}{more}")


def _evaluate(
    book: Book,
    model: Model,
    groups: list,
    members: list[list[int]],
    steps: list[graph.Step],
    progress: Progress | None,
) -> list[Any]:
    """Values of all formula cells, in ``model.instances`` order (each instance's ``level`` set)."""
    results: list[Any] = [None] * len(model.instances)
    done = 0
    total = len(model.instances)
    for step in steps:
        template, cells = groups[step.group]
        box = model.instances[members[step.group][0]].spill
        if box is not None and step.cells is None:  # an array formula: once, spread over its range
            values = [_fill(book, template, cells[0], box)]
            targets = members[step.group]
        elif step.cells is None:
            values = Group(book, template, cells).run()
            book.values[template.sheet].update(zip(cells, values, strict=True))
            targets = members[step.group]
        else:  # cells that read each other: one at a time, nothing cached while they change
            book.caching = False
            values, targets = [], []
            for g, k in step.cells:
                cell = groups[g][1][k]
                value = Group(book, groups[g][0], [cell]).run()[0]
                book.values[groups[g][0].sheet][cell] = value
                values.append(value)
                targets.append(members[g][k])
            book.caching = True
        instances = model.instances
        for i, value in zip(targets, values, strict=True):
            results[i] = value
            if type(value) is not float:
                instances[i].level = step.level
        done += len(targets)
        if progress:
            progress(done, total)
    return results


def _fill(book: Book, template: Any, cell: tuple[int, int], box: spills.Box) -> Any:
    """Evaluate an array formula once, spread its result over its range; the top-left value."""
    r1, c1, r2, c2 = box
    _, result = Group(book, template, [cell])._execute()
    grid = spills.spread(result, r2 - r1 + 1, c2 - c1 + 1)
    values = book.values[template.sheet]
    for i, line in enumerate(grid):
        for j, value in enumerate(line):
            values[r1 + i, c1 + j] = value
    return grid[0][0]


def _errors(model: Model, results: list[Any], book: Book) -> list[CellError]:
    """Error cells, root causes first (lowest dependency level), then by sheet and position; then
    the cells of array formulas' ranges in error, each with its array formula."""
    bad = [i for i, v in enumerate(results) if is_error(v)]
    bad.sort(
        key=lambda i: (
            model.instances[i].level,
            model.instances[i].sheet,
            model.instances[i].row,
            model.instances[i].col,
        )
    )
    found = [
        CellError(
            model.sheet_names[model.instances[i].sheet],
            address(model.instances[i].row, model.instances[i].col),
            model.formula_text(i),
            shown(results[i]),
        )
        for i in bad
    ]
    owners = [(i, inst) for i, inst in enumerate(model.instances) if inst.spill]
    for sheet, cells in enumerate(model.spills):
        for c in sorted(cells, key=lambda c: (c.row, c.col)):
            value = book.values[sheet].get((c.row, c.col))
            if not is_error(value):
                continue
            owner = next(
                i
                for i, inst in owners
                if inst.sheet == sheet
                and inst.spill is not None
                and inst.spill[0] <= c.row <= inst.spill[2]
                and inst.spill[1] <= c.col <= inst.spill[3]
            )
            found.append(
                CellError(
                    model.sheet_names[sheet], address(c.row, c.col), model.formula_text(owner), shown(value)
                )
            )
    return found


def _master_check(model: Model, book: Book, source: Path, *, required: bool) -> bool | None:
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
    value = Group(book, template, [(1, 1)]).run()[0]
    return value is True or (isinstance(value, float) and value != 0.0)


def _patched(
    pkg: Package, workbook_part: str, model: Model, sheets: list, results: list[Any], book: Book
) -> dict[str, bytes]:
    """The worksheet parts with formulas, patched, each in its own encoding; the workbook part
    without ``fullCalcOnLoad``."""
    by_sheet: dict[int, tuple[list, list]] = {}
    for cell, inst, value in zip(model.cells, model.instances, results, strict=True):
        cells, values = by_sheet.setdefault(inst.sheet, ([], []))
        cells.append(cell)
        values.append(value)
    for index, cells in enumerate(model.spills):  # array ranges' value cells
        if cells:
            listed, values = by_sheet.setdefault(index, ([], []))
            listed.extend(cells)
            values.extend(book.values[index].get((c.row, c.col)) for c in cells)
    patched = {}
    for index, (cells, values) in by_sheet.items():
        sheet = sheets[index]
        data = writer.patch_sheet(sheet.data, cells, values)
        patched[sheet.sheet.part] = xmltext.encode(data, sheet.encoding)
    try:
        data, encoding = xmltext.decode(pkg.read(workbook_part))
    except xmltext.EncodingProblem as exc:
        raise pkg.unusable(f"part {workbook_part} {exc}") from None
    patched[workbook_part] = xmltext.encode(writer.mark_current(data), encoding)
    return patched
