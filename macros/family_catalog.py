"""Catalog and meta functions: read one catalog value, the engine version, help on a function."""

from __future__ import annotations

from typing import Any

from mlsysim.catalog_units import PINT_SPELLING
from mlsysim.errors import InvalidInputError, UnknownEntryError
from mlsysim.names import closest, normalize

from . import cells, resolve
from .convert import factor
from .function import Arg, ExcelFunction
from .sheet_export import export_rows
from .sheet_rows import row_values
from .sheet_schema import COUNT_UNITS, Column, schema

KIND = Arg("kind", "text", "catalog sheet: hardware, model, fleet or region (or Hardware, Models, ...)")
ENTRY = Arg("id", "any", "catalog id (e.g. H100) or a row of that sheet")
FIELD = Arg("field", "text", 'column key or header, e.g. "memory_bandwidth" or "Memory bandwidth (GB/s)"')
SPEC_UNIT = Arg("unit", "text", "unit of the result; default the column's unit", optional=True)
TOPIC = Arg("topic", "text", "function name, e.g. MLSYS_TTFT; omit for the list", optional=True)


@resolve.cached(maxsize=8)
def _rows_by_id(kind: str) -> dict[str, tuple]:
    return {row[0]: row for row in export_rows(schema(kind), resolve.catalog())}


def _column(kind: str, field: str) -> tuple[int, Column]:
    sheet = schema(kind)
    wanted = normalize(field)
    for i, column in enumerate(sheet.columns):
        if wanted in (normalize(column.key), normalize(column.header)):
            return i, column
    keys = [c.key for c in sheet.columns]
    raise UnknownEntryError(f"{sheet.sheet} field", field, closest(field, keys))


def _row(kind: str, entry: Any) -> tuple:
    if isinstance(entry, str):
        catalog_kind = "grid" if kind == "region" else kind
        entry_id = resolve.catalog().get(catalog_kind, entry).id
        return _rows_by_id(kind)[entry_id]
    return row_values(schema(kind), entry)


def spec_value(kind: str, entry: Any, field: str, unit: str | None) -> Any:
    """The value of ``field`` of a catalog entry or sheet row, in the column's unit or ``unit``."""
    kind = schema(kind).kind
    index, column = _column(kind, field)
    value = _row(kind, entry)[index]
    if cells.is_missing(value):
        raise InvalidInputError("field", field, f"this entry has no value in column '{column.header}'")
    if column.type != "number":
        if unit:
            raise InvalidInputError(
                "unit", unit, f"column '{column.header}' holds {column.type}, not a quantity"
            )
        return value
    number = cells.number(field, value)
    if not unit:
        return number
    if column.unit in COUNT_UNITS:
        return number * COUNT_UNITS[column.unit] * factor("", unit)
    return number * factor(PINT_SPELLING.get(column.unit, column.unit), unit)


def help_text(topic: str | None) -> str:
    from .registry import REGISTRY

    if not topic:
        return "MLSYS functions: " + ", ".join(REGISTRY) + ' — =MLSYS_HELP("MLSYS_TTFT") explains one.'
    key = topic.strip().upper()
    fn = REGISTRY.get(key) or REGISTRY.get(f"MLSYS_{key}")
    if fn is None:
        raise UnknownEntryError("function", topic, closest(topic, REGISTRY))
    args = "; ".join(f"{a.name}: {a.doc}" for a in fn.args)
    return f"{fn.signature} -> {fn.shown_unit}. {fn.description} Arguments: {args}"


def _version() -> str:
    """``mlsysim-workbook <version>``: the distribution's name tells it from the other ``mlsysim``
    on PyPI, and its installed metadata is checked against the code that runs."""
    from importlib.metadata import PackageNotFoundError, version

    from mlsysim import __version__

    try:
        installed = version("mlsysim-workbook")
    except PackageNotFoundError:
        installed = "none"
    if installed != __version__:
        return f"mlsysim-workbook {__version__} (installed metadata: {installed}; reinstall it)"
    return f"mlsysim-workbook {__version__}"


FUNCTIONS = (
    ExcelFunction(
        "MLSYS_SPEC",
        "Catalog",
        (KIND, ENTRY, FIELD, SPEC_UNIT),
        "value",
        "",
        "One catalog value (a column of the Hardware, Models, Fleets or Regions sheet) in the column's "
        "unit, or converted to unit.",
        spec_value,
    ),
    ExcelFunction(
        "MLSYS_VERSION",
        "Catalog",
        (),
        "text",
        "",
        "Name and version of the engine (mlsysim-workbook), to check which mlsysim Excel runs.",
        _version,
    ),
    ExcelFunction(
        "MLSYS_HELP",
        "Catalog",
        (TOPIC,),
        "text",
        "",
        "Signature, unit and description of one MLSYS function, or the list of all of them.",
        help_text,
    ),
)
