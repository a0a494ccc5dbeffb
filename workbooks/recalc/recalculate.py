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

from mlsysim.errors import InvalidInputError

from . import graph, writer
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
        errors = _errors(model, results)
        positions = [[(c.row, c.col) for c in s.formulas] for s in sheets]
        tables = summaries.scenarios(model.sheet_names, book.values, positions)
        seconds["evaluate"] = time.perf_counter() - clock
        clock = time.perf_counter()
        if target is not None:
            writer.write_package(pkg, target, _patched(pkg, book_map.part, model, results))
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
    """Values of all formula cells, in ``instances`` order."""
    groups: dict[tuple[int, int], list[int]] = defaultdict(list)
    for i, cell in enumerate(instances):
        groups[cell.level, id(cell.template)].append(i)
    results: list[Any] = [None] * len(instances)
    done = 0
    for key in sorted(groups, key=lambda k: k[0]):
        members = groups[key]
        values = Group(book, [instances[i] for i in members]).run()
        for i, value in zip(members, values, strict=True):
            cell = instances[i]
            book.values[cell.sheet][cell.row, cell.col] = value
            results[i] = value
        done += len(members)
        if progress:
            progress(done, len(instances))
    return results


def _errors(model: Model, results: list[Any]) -> list[CellError]:
    """Error cells, root causes first (lowest dependency level), then by sheet and position."""
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
    ]


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


def _patched(pkg: Package, workbook_part: str, model: Model, results: list[Any]) -> dict[str, bytes]:
    by_part: dict[str, tuple[list, list]] = {}
    parts = model.parts
    for cell, inst, value in zip(model.cells, model.instances, results, strict=True):
        cells, values = by_part.setdefault(parts[inst.sheet], ([], []))
        cells.append(cell)
        values.append(value)
    patched = {
        part: writer.patch_sheet(pkg.read(part), cells, values) for part, (cells, values) in by_part.items()
    }
    patched[workbook_part] = writer.mark_current(pkg.read(workbook_part))
    return patched
