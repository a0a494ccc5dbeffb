"""One Excel-facing function: its arguments, result, default unit, and the plain-Python callable.

``ExcelFunction.python`` is what every path calls (xlwings, xlwings Lite, the headless engine and
Python users): positional scalars in (``None`` for an omitted argument), one scalar out, and an
``#MLSYS!`` text instead of any exception.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from mlsysim.errors import InvalidInputError

from . import cells, resolve
from .convert import factor

# Argument types: catalog kinds take an id or a sheet row; the rest are cell scalars.
CATALOG_TYPES = ("model", "hardware", "fleet", "region")
SCALAR_TYPES = ("number", "text", "unit", "any")
TABLE_TYPE = "table"  # a whole catalog sheet (block functions look ids up in it)
_HUGE = float("inf")


@dataclass(frozen=True, slots=True)
class Arg:
    """One argument: ``type`` is a catalog kind or a scalar type; ``dates`` lets a number argument
    that counts days take a date or time cell as its serial (``cells.number``)."""

    name: str
    type: str
    doc: str
    optional: bool = False
    dates: bool = False

    def __post_init__(self) -> None:
        if self.type not in (*CATALOG_TYPES, *SCALAR_TYPES, TABLE_TYPE):
            raise ValueError(f"argument {self.name}: unknown type {self.type!r}")


@dataclass(frozen=True)
class ExcelFunction:
    """``compute`` receives the parsed arguments (without ``unit``) and returns the result in
    ``si_unit`` (numbers) or the text/boolean itself; ``unit`` is the default output unit."""

    name: str
    family: str
    args: tuple[Arg, ...]
    returns: str  # "number" | "text" | "boolean" | "value" (number or text, converted by compute)
    unit: str
    description: str
    compute: Callable[..., Any]
    si_unit: str = ""
    unit_label: str = ""
    # For a configuration that does not fit in memory: "error" (an #MLSYS! value naming the binding
    # constraint), "value" (the result is still meaningful, e.g. the memory needed) or "" (no notion).
    infeasible: str = ""
    # ``compute`` split in two where it is ``read(estimate(*parsed))`` (gated by feasibility when
    # ``infeasible`` is "error"): a block function then calls ``estimate`` once per row for all of
    # the family's columns. Optional: without them a block calls ``compute`` per column.
    estimate: Callable[..., Any] | None = field(default=None, repr=False, compare=False)
    read: Callable[[Any], Any] | None = field(default=None, repr=False, compare=False)
    python: Callable[..., Any] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "python", _build(self))

    @property
    def signature(self) -> str:
        shown = (f"[{a.name}]" if a.optional else a.name for a in self.args)
        return f"{self.name}({', '.join(shown)})"

    @property
    def shown_unit(self) -> str:
        if self.returns == "block":
            return "rows × columns"
        if self.returns != "number":
            return self.returns
        return self.unit_label or self.unit or "fraction"

    @property
    def docstring(self) -> str:
        lines = [f"{self.description}", "", f"{self.signature} -> {self.shown_unit}", ""]
        lines += [f"{a.name}: {a.doc}" for a in self.args]
        return "\n".join(lines)


def _parse(arg: Arg, value: Any) -> Any:
    """One argument as ``compute`` takes it (catalog keys, floats, text; None when omitted)."""
    kind = type(value)
    if value is None and arg.optional:  # an omitted argument
        return None
    if arg.type == "number":  # the common cases first: Excel passes floats, Lite and Python ints
        if kind is float and -_HUGE < value < _HUGE:  # finite (NaN and inf fail both tests)
            return value
        if kind is int and not cells.FIRST_SCODE <= value <= cells.LAST_SCODE:  # not a COM error
            return float(value)
    if kind is str and arg.type != "number":
        stripped = value.strip()
        if stripped and stripped not in cells.EXCEL_ERRORS:
            return stripped
    cells.check_not_error(arg.name, value)
    if isinstance(value, list | tuple) or hasattr(value, "ndim"):  # a range: cells as plain values
        value = cells.plain_cells(value)
    if arg.type in CATALOG_TYPES:
        return resolve.key(arg.type, arg.name, value, optional=arg.optional)
    if cells.is_missing(value):
        if arg.optional:
            return None
        raise InvalidInputError(arg.name, None, f"a value is required ({arg.doc})")
    if arg.type == "number":
        return cells.number(arg.name, value, dates=arg.dates)
    if arg.type == "any":  # an id or a row, interpreted by the function itself
        return value
    return cells.text(arg.name, value)


def cell_value(fn: ExcelFunction, parsed: list[Any], unit: Any = None) -> Any:
    """What the cell of ``fn`` shows for parsed inputs: the result in ``unit`` (a cell value, None
    for the default unit), the text or boolean itself, or an ``#MLSYS!`` text. Per-cell calls and
    block functions (``mlsysim.macros.blocks``) both end here, so they give the same value."""
    try:
        result = fn.compute(*parsed)
        if fn.returns != "number" or isinstance(result, str):
            return result
        target = _parse(fn.args[-1], unit) if unit is not None else None
        converted = result * factor(fn.si_unit, target or fn.unit)
        return converted if math.isfinite(converted) else cells.out_of_range()
    except OverflowError:
        return cells.out_of_range()
    except Exception as exc:  # the Excel edge: every failure becomes a readable cell value
        return cells.error_text(exc)


def _build(fn: ExcelFunction) -> Callable[..., Any]:
    args = fn.args
    has_unit = bool(args) and args[-1].type == "unit"
    inputs = args[:-1] if has_unit else args
    count = len(args)
    parameters = [
        inspect.Parameter(
            a.name, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=None if a.optional else inspect._empty
        )
        for a in args
    ]
    signature = inspect.Signature(parameters)

    def call(*values: Any, **named: Any) -> Any:
        if named or len(values) > count:  # keywords or too many arguments: only from Python
            try:
                values = tuple(signature.bind(*values, **named).arguments.get(a.name) for a in args)
            except TypeError as exc:
                return cells.error_text(InvalidInputError(fn.name, values or named, str(exc)))
        if len(values) < count:
            values = values + (None,) * (count - len(values))
        try:
            parsed = [_parse(a, v) for a, v in zip(inputs, values, strict=False)]
        except Exception as exc:  # the Excel edge: every failure becomes a readable cell value
            return cells.error_text(exc)
        return cell_value(fn, parsed, values[-1] if has_unit else None)

    call.__name__ = call.__qualname__ = fn.name
    call.__doc__ = fn.docstring
    call.__signature__ = signature  # type: ignore[attr-defined]
    call.__annotations__ = {}  # xlwings reads type hints as converters; the values arrive untyped
    call.__module__ = "mlsysim.macros"
    return call


def feasibility_gated(family: str, estimate: Callable[..., Any], args: tuple[Arg, ...], unit_arg: Arg):
    """A ``define(name, read, returns, unit, description, *, gated=True, si_unit="", label="")`` for
    a family whose ``estimate(*args)`` returns a result with ``feasible`` and ``constraint``: a gated
    function shows the ``#MLSYS! does not fit`` value instead of a number when it does not fit."""

    def define(name, read, returns, unit, description, *, gated=True, si_unit="", label=""):
        def compute(*values):
            result = estimate(*values)
            if gated and not result.feasible:
                return cells.infeasible(result.constraint)
            return read(result)

        shown_args = (*args, unit_arg) if returns == "number" else args
        feasibility = "error" if gated else "value"
        return ExcelFunction(
            name,
            family,
            shown_args,
            returns,
            unit,
            description,
            compute,
            si_unit,
            label,
            feasibility,
            estimate=estimate,
            read=read,
        )

    return define
