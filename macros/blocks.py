"""Block functions: one call evaluates a whole scenario table and returns an n×k block that spills.

A per-cell function (``=MLSYS_TTFT(...)``) is one Excel→Python call per cell; a 1,000-row Serving
sheet with seven engine columns is 7,000 calls, each crossing COM in the classic add-in. A block
function takes the scenario columns and returns one row per scenario and one column per output,
so the same sheet is one call:

    =MLSYS_SERVING_BLOCK(B4:B1003, C4:C1003, F4:F1003, H4:H1003, D4:D1003, E4:E1003)

A block is declared from the family's per-cell functions (``block``), so each of its cells is the
value the per-cell function gives for that row: the same parsing, estimate, unit, ``#MLSYS!`` text
and infeasibility rule (``function.cell_value``). Where the per-cell functions declare their
``estimate`` and ``read`` (``function.feasibility_gated`` does), a row calls the estimate once for
all its columns; otherwise each column calls its function's ``compute``.

Arguments, in order: the inputs (the union of the columns' arguments, without ``unit``, each
required or optional as in the per-cell functions), then for each catalog kind among them an
optional table of the workbook's catalog sheet to look IDs up in (``models``, ``hardware``,
``fleets``, ``regions``; without it IDs name packaged entries), then ``columns`` (which outputs,
by name; default all) and ``headers`` (TRUE: a first row of headers with units). Each input is a
column of n values, or one value for every row; a catalog input may also be one catalog-sheet row
for every row, or n such rows. A row whose per-row inputs are all empty gives empty cells ("") so a
block over a table's spare rows stays blank until a scenario is typed in. A problem with the call
as a whole (ranges of different lengths, an unknown column name) is one ``#MLSYS!`` cell.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from mlsysim.errors import InvalidInputError
from mlsysim.names import closest, normalize

from . import cells, resolve
from .convert import factor
from .function import CATALOG_TYPES, TABLE_TYPE, Arg, ExcelFunction, _parse, cell_value
from .sheet_schema import schema

COLUMNS = Arg(
    "columns", "any", 'outputs to return, by name (e.g. "TTFT, ITL" or a range of names); default all', True
)
HEADERS = Arg("headers", "any", "TRUE for a first row of headers with units; default FALSE", True)

Rows = list[list[Any]]


@dataclass(frozen=True, slots=True)
class Output:
    """One column of a block: the per-cell function that computes it and where its inputs are."""

    function: ExcelFunction
    positions: tuple[int, ...]  # indexes of its arguments among the block's inputs

    @property
    def key(self) -> str:
        return self.function.name.removeprefix("MLSYS_")

    @property
    def header(self) -> str:
        return f"{self.key} ({self.function.shown_unit})"


@dataclass(frozen=True)
class BlockFunction(ExcelFunction):
    """An ``ExcelFunction`` whose ``python`` returns a list of rows (see the module docstring)."""

    outputs: tuple[Output, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "python", _build_block(self))

    @property
    def inputs(self) -> tuple[Arg, ...]:
        return tuple(a for a in self.args[:-2] if a.type != TABLE_TYPE)

    @property
    def tables(self) -> tuple[Arg, ...]:
        return tuple(a for a in self.args if a.type == TABLE_TYPE)


def block(name: str, family: str, functions: Sequence[ExcelFunction], description: str) -> BlockFunction:
    """The block function ``name`` whose columns are ``functions`` (per-cell functions of one
    family), in that order. Its inputs are their arguments, each named once, in order of first use."""
    inputs: list[Arg] = []
    for fn in functions:
        for argument in fn.args:
            if argument.type != "unit" and all(a.name != argument.name for a in inputs):
                inputs.append(argument)
    outputs = tuple(
        Output(fn, tuple(next(i for i, a in enumerate(inputs) if a.name == b.name) for b in _inputs(fn)))
        for fn in functions
    )
    kinds = dict.fromkeys(a.type for a in inputs if a.type in CATALOG_TYPES)
    tables = tuple(
        Arg(_table_name(kind), TABLE_TYPE, f"the {schema(kind).sheet} sheet's rows, to look IDs up in", True)
        for kind in kinds
    )
    args = (*inputs, *tables, COLUMNS, HEADERS)
    return BlockFunction(name, family, args, "block", "", description, _unused, outputs=outputs)


def _inputs(fn: ExcelFunction) -> tuple[Arg, ...]:
    return tuple(a for a in fn.args if a.type != "unit")


def _table_name(kind: str) -> str:
    return schema(kind).sheet.lower()


def _unused(*values: Any) -> Any:
    raise NotImplementedError("a block function is called through its python attribute")


def _build_block(fn: BlockFunction) -> Callable[..., Any]:
    parameters = [
        inspect.Parameter(
            a.name, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=None if a.optional else inspect._empty
        )
        for a in fn.args
    ]
    signature = inspect.Signature(parameters)
    count = len(fn.args)

    def call(*values: Any, **named: Any) -> Rows:
        try:
            if named or len(values) > count:  # keywords or too many arguments: only from Python
                try:
                    values = tuple(signature.bind(*values, **named).arguments.get(a.name) for a in fn.args)
                except TypeError as exc:
                    raise InvalidInputError(fn.name, values or named, str(exc)) from None
            return evaluate(fn, values + (None,) * (count - len(values)))
        except Exception as exc:  # a problem with the whole call: one error cell
            return [[cells.error_text(exc)]]

    call.__name__ = call.__qualname__ = fn.name
    call.__doc__ = fn.docstring
    call.__signature__ = signature  # type: ignore[attr-defined]
    call.__annotations__ = {}
    call.__module__ = "mlsysim.macros"
    return call


class _Columns:
    """The selected outputs grouped for evaluation: outputs whose function splits into a shared
    ``estimate`` and a ``read`` are computed from one estimate per row; the others per column."""

    def __init__(self, outputs: Sequence[Output]) -> None:
        self.outputs = tuple(outputs)
        slots: dict[tuple, int] = {}  # (estimate, positions) -> slot
        # per output: (output, slot or -1 for a per-column call, read, unit factor or 0 for a
        # value that is not a number, gated by feasibility)
        self.plan: list[tuple[Output, int, Any, float, bool]] = []
        for o in outputs:
            fn = o.function
            if fn.estimate is None or fn.read is None:
                self.plan.append((o, -1, None, 0.0, False))
                continue
            slot = slots.setdefault((fn.estimate, o.positions), len(slots))
            scale = factor(fn.si_unit, fn.unit) if fn.returns == "number" else 0.0
            self.plan.append((o, slot, fn.read, scale, fn.infeasible == "error"))
        self.shared = list(slots)

    def row(self, parsed: list[Any], failed: list[str | None]) -> list[Any]:
        estimates: list[Any] = []
        problems: list[str | None] = []  # per slot: the text every column of it shows instead
        for estimate, positions in self.shared:
            problem, result = _first_failure(positions, failed), None
            if problem is None:
                try:
                    result = estimate(*[parsed[p] for p in positions])
                except Exception as exc:  # what each column's compute would raise
                    problem = cells.error_text(exc)
                else:
                    if not getattr(result, "feasible", True):  # shown by the gated columns only
                        problem = cells.infeasible(result.constraint)
            estimates.append(result)
            problems.append(problem)
        out: list[Any] = []
        for output, slot, read, scale, gated in self.plan:
            if slot < 0:
                problem = _first_failure(output.positions, failed)
                out.append(problem or cell_value(output.function, [parsed[p] for p in output.positions]))
                continue
            problem = problems[slot]
            if problem is not None and (gated or estimates[slot] is None):
                out.append(problem)
                continue
            try:
                value = read(estimates[slot])
                if scale and type(value) is not str:
                    value = value * scale
                    if not -_HUGE < value < _HUGE:  # not finite
                        value = cells.out_of_range()
            except OverflowError:
                value = cells.out_of_range()
            except Exception as exc:
                value = cells.error_text(exc)
            out.append(value)
        return out


_HUGE = float("inf")


def _first_failure(positions: tuple[int, ...], failed: list[str | None]) -> str | None:
    for p in positions:
        if failed[p] is not None:
            return failed[p]
    return None


def evaluate(fn: BlockFunction, values: Sequence[Any]) -> Rows:
    """The block for ``values`` (one per argument of ``fn``, ``None`` where omitted)."""
    inputs = fn.inputs
    count = len(inputs)
    tables = {a.name: _table(a, values[count + i]) for i, a in enumerate(fn.tables)}
    columns = [_column(arg, as_rows(v), tables) for arg, v in zip(inputs, values[:count], strict=True)]
    n = max(len(c) for c in columns)
    for arg, column in zip(inputs, columns, strict=True):
        if len(column) not in (1, n):
            raise InvalidInputError(
                arg.name, f"{len(column)} rows", f"one value or {n} rows, as the other inputs"
            )
    selected = _Columns(_selected(fn, values[-2]))
    varies = [j for j, c in enumerate(columns) if len(c) == n] if n > 1 else list(range(count))
    out: Rows = [[o.header for o in selected.outputs]] if _flag(values[-1]) else []
    blank = [""] * len(selected.outputs)
    parsed: list[Any] = [None] * count
    failed: list[str | None] = [None] * count
    for j, column in enumerate(columns):  # inputs with one value for every row: parsed once
        if len(column) == 1 and n > 1:
            parsed[j], failed[j] = _parsed(inputs[j], column[0])
    for i in range(n):
        if all(cells.is_missing(columns[j][i]) for j in varies):
            out.append(list(blank))
            continue
        for j in varies:
            parsed[j], failed[j] = _parsed(inputs[j], columns[j][i])
        out.append(selected.row(parsed, failed))
    return out


def _parsed(arg: Arg, value: Any) -> tuple[Any, str | None]:
    """(parsed value, None) or (None, the error text the per-cell function would show)."""
    if type(value) is _Key:
        return value.key, None
    try:
        if isinstance(value, Exception):
            raise value
        return _parse(arg, value), None
    except Exception as exc:
        return None, cells.error_text(exc)


@dataclass(frozen=True, slots=True)
class _Key:
    """A catalog input already turned into its key (an ID looked up in a table given)."""

    key: Any


def as_rows(value: Any) -> Rows:
    """A cell, a flat list (a column) or rows, as a list of rows of plain cell values."""
    if value is None:
        return [[None]]
    if hasattr(value, "ndim") and hasattr(value, "tolist"):
        value = value.tolist()
    if not isinstance(value, list | tuple):
        return [[cells.plain(value)]]
    if not value:
        return [[None]]
    if all(isinstance(r, list | tuple) for r in value):
        return [list(cells.plain_cells(r)) for r in value]
    return [[c] for c in cells.plain_cells(value)]


def _column(arg: Arg, rows: Rows, tables: dict[str, dict[str, tuple] | None]) -> list[Any]:
    """One value per row: the cell, or for a catalog input a whole catalog row or its key."""
    width = len(rows[0])
    if any(len(r) != width for r in rows):
        raise InvalidInputError(arg.name, "a ragged range", "rows of equal length")
    if arg.type in CATALOG_TYPES:
        if width == len(schema(arg.type).columns):
            return [list(r) for r in rows]
        table = tables.get(_table_name(arg.type))
        if width == 1 and table is not None:
            found: dict[Any, Any] = {}
            return [_look_up(arg, r[0], table, found) for r in rows]
    if width != 1:
        raise InvalidInputError(
            arg.name, f"a {len(rows)}×{width} range", "one column, or one value for every row"
        )
    return [r[0] for r in rows]


def _look_up(arg: Arg, value: Any, table: dict[str, tuple], found: dict[Any, Any]) -> Any:
    """The key of the table row whose ID is ``value`` (each ID resolved once per call)."""
    if not isinstance(value, str) or cells.is_missing(value) or cells.error_name(value):
        return value  # parsed as it is: empty, an error or a number gives the per-cell message
    if value not in found:
        row = table.get(normalize(value))
        if row is None:
            near = closest(value, [str(r[0]) for r in table.values()])
            hint = f" — did you mean {', '.join(near)}?" if near else ""
            sheet = schema(arg.type).sheet
            found[value] = InvalidInputError(arg.name, value, f"not an ID of the {sheet} rows given{hint}")
        else:
            try:
                found[value] = _Key(resolve.key(arg.type, arg.name, list(row)))
            except Exception as exc:
                found[value] = exc
    return found[value]


def _table(arg: Arg, value: Any) -> dict[str, tuple] | None:
    """A catalog sheet's rows by normalised ID (its first column); None when not given."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    rows = as_rows(value)
    kind = next(k for k in CATALOG_TYPES if _table_name(k) == arg.name)
    width = len(schema(kind).columns)
    if any(len(r) != width for r in rows):
        valid = f"the {width} columns of the {schema(kind).sheet} sheet, ID first"
        raise InvalidInputError(arg.name, f"a range {len(rows[0])} columns wide", valid)
    return {normalize(str(r[0])): tuple(r) for r in rows if not cells.is_missing(r[0])}


def _selected(fn: BlockFunction, value: Any) -> tuple[Output, ...]:
    names = [c for r in as_rows(value) for c in r if not cells.is_missing(c)]
    if not names:
        return fn.outputs
    if len(names) == 1 and isinstance(names[0], str):
        names = [n for n in names[0].split(",") if n.strip()]
    by_key = {normalize(o.key): o for o in fn.outputs}
    chosen = []
    for name in names:
        key = normalize(str(name)).removeprefix("mlsys")
        if key not in by_key:
            valid = ", ".join(o.key for o in fn.outputs)
            raise InvalidInputError("columns", name, f"expected names among {valid}")
        chosen.append(by_key[key])
    return tuple(chosen)


def _flag(value: Any) -> bool:
    cell = as_rows(value)
    if len(cell) != 1 or len(cell[0]) != 1:
        raise InvalidInputError("headers", "a range", "TRUE or FALSE")
    flag = cell[0][0]
    if cells.is_missing(flag):
        return False
    if isinstance(flag, bool):
        return flag
    if isinstance(flag, int | float) and flag in (0, 1):
        return bool(flag)
    raise InvalidInputError("headers", flag, "TRUE or FALSE")


__all__ = ["BlockFunction", "Output", "as_rows", "block", "evaluate"]
