"""One catalog-sheet row (as Excel passes a range) to the engine's spec.

Values on the sheet are in the column's unit (``Column.factor`` converts to SI). A cell only has to
hold a number (or text, or a flag) here; whether the number is in range is the spec's own rule
(``HardwareSpec.__post_init__``...), the same rule the TOML catalog goes through, reported against
the sheet's column. Parsed rows are cached by their values, so a workbook that passes the same
Hardware row to a thousand cells parses it once.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any

from mlsysim.enums import Precision
from mlsysim.errors import InvalidInputError
from mlsysim.hardware.types import HardwareSpec
from mlsysim.infra.types import DatacenterSpec, GridSpec
from mlsysim.models.types import CNNSpec, TransformerSpec
from mlsysim.systems.types import FabricSpec, FleetSpec, NodeSpec

from .cells import EXCEL_ERRORS, is_missing
from .sheet_schema import COUNT_UNITS, Column, SheetSchema

# Spec fields that a Fleets column of another name fills.
_FLEET_FIELDS = {
    "price": "node_price",
    "bandwidth_per_accelerator": "fabric_bandwidth",
    "latency": "fabric_latency",
}
_TRUE = {"true", "yes", "1", "y"}
_FALSE = {"false", "no", "0", "n"}


def row_values(schema: SheetSchema, row: Any) -> tuple:
    """The row's cells as a flat tuple of plain Python values, checked for length."""
    if hasattr(row, "tolist") and hasattr(row, "ndim"):  # numpy array from the formulas engine
        if row.ndim == 2 and 1 not in row.shape:
            raise _bad_shape(schema, f"a {row.shape[0]}×{row.shape[1]} range")
        row = row.ravel().tolist()
    if not isinstance(row, list | tuple):
        raise _bad_shape(schema, repr(row))
    if len(row) == 1 and isinstance(row[0], list | tuple):
        row = row[0]
    elif row and all(isinstance(cell, list | tuple) and len(cell) == 1 for cell in row):
        row = [cell[0] for cell in row]  # a column range (n×1)
    keys = schema.layout_of(len(row))
    if keys is None:
        raise _bad_shape(schema, f"{len(row)} cells")
    if len(row) != len(schema.columns):  # an earlier layout: by key, the columns added since empty
        by_key = dict(zip(keys, row, strict=True))
        row = [by_key.get(c.key) for c in schema.columns]
    # TRUE/FALSE as text: True == 1 in Python, and a cache keyed on the row must not confuse them.
    return tuple(("TRUE" if cell else "FALSE") if isinstance(cell, bool) else cell for cell in row)


def _bad_shape(schema: SheetSchema, got: str) -> InvalidInputError:
    first, last = schema.columns[0].header, schema.columns[-1].header
    return InvalidInputError(
        f"{schema.kind} row",
        got,
        f"expected one row of the {schema.sheet} sheet: {len(schema.columns)} cells, {first} … {last}",
    )


def parse_row(schema: SheetSchema, row: Any) -> Any:
    return _parse_cached(schema.kind, row_values(schema, row))


@lru_cache(maxsize=4096)
def _parse_cached(kind: str, values: tuple) -> Any:
    from .sheet_schema import schema

    sheet = schema(kind)
    cells = {c.key: _cell(sheet, c, v) for c, v in zip(sheet.columns, values, strict=True)}
    try:
        return _BUILDERS[kind](sheet, cells)
    except InvalidInputError as exc:
        if exc.argument.startswith(f"{sheet.sheet} column"):
            raise
        key = _FLEET_FIELDS.get(exc.argument, exc.argument) if kind == "fleet" else exc.argument
        index = sheet.index(key)
        raise _bad_cell(sheet, sheet.columns[index], values[index], exc.valid) from None


def _cell(schema: SheetSchema, column: Column, value: Any) -> Any:
    """The SI value of one cell (text stays text); ``None`` for an empty optional cell."""
    if isinstance(value, str) and value.strip() in EXCEL_ERRORS:
        raise _bad_cell(schema, column, value, "the cell holds an Excel error")
    if is_missing(value):
        if column.required:
            raise _bad_cell(schema, column, value, "a value is required")
        return None
    if column.type == "text":
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return str(value).strip()
    if column.type == "flag":
        key = str(value).strip().lower()
        if isinstance(value, int | float) and value in (0, 1):
            return bool(value)
        if key in _TRUE | _FALSE:
            return key in _TRUE
        raise _bad_cell(schema, column, value, "expected TRUE or FALSE")
    number = _number(value)
    if number is None or not math.isfinite(number):
        raise _bad_cell(schema, column, value, f"expected a number{_unit(column)}")
    if column.type == "whole":
        return int(number) if number.is_integer() else number  # the spec refuses a fraction
    if column.unit in COUNT_UNITS:  # a count written in billions is still a whole number of items
        return float(round(number * column.factor))
    return number * column.factor


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


def _unit(column: Column) -> str:
    return f" in {column.unit}" if column.unit else ""


def _bad_cell(schema: SheetSchema, column: Column, value: Any, valid: str) -> InvalidInputError:
    return InvalidInputError(f"{schema.sheet} column '{column.header}'", value, valid)


def _hardware(schema: SheetSchema, c: dict[str, Any], name: str) -> HardwareSpec:
    peaks = {p: c[f"peak_flops.{p.value}"] for p in Precision if c.get(f"peak_flops.{p.value}") is not None}
    if not peaks:
        column = schema.columns[schema.index("peak_flops.fp16")]
        raise _bad_cell(schema, column, None, "at least one peak rate (any precision) is required")
    return HardwareSpec(
        name=name,
        peak_flops=peaks,
        memory_capacity=c["memory_capacity"],
        memory_bandwidth=c["memory_bandwidth"],
        tdp=c["tdp"],
        scale_up_bandwidth=c["scale_up_bandwidth"],
        price=c["price"],
        embodied_carbon=c["embodied_carbon"],
        scale_up_topology=c["scale_up_topology"] or "",
        scale_up_domain=c["scale_up_domain"],
    )


def _hardware_row(schema: SheetSchema, c: dict[str, Any]) -> HardwareSpec:
    return _hardware(schema, c, c["name"] or c["id"])


_TRANSFORMER_FIELDS = (
    "hidden_size",
    "heads",
    "kv_heads",
    "head_dim",
    "ffn_size",
    "vocab_size",
    "max_context",
)


def _model_row(schema: SheetSchema, c: dict[str, Any]) -> TransformerSpec | CNNSpec:
    kind = c["kind"].lower()
    name = c["name"] or c["id"]
    needed: tuple[str, ...]
    if kind == "transformer":
        needed = _TRANSFORMER_FIELDS
    elif kind == "cnn":
        needed = ("flops_per_inference", "activations_per_inference")
    else:
        column = schema.columns[schema.index("kind")]
        raise _bad_cell(schema, column, c["kind"], "expected transformer or cnn")
    for key in needed:
        if c[key] is None:
            column = schema.columns[schema.index(key)]
            raise _bad_cell(schema, column, None, f"a value is required for a {kind}")
    if kind == "cnn":
        return CNNSpec(
            name=name,
            parameters=c["parameters"],
            flops_per_inference=c["flops_per_inference"],
            layers=c["layers"],
            activations_per_inference=c["activations_per_inference"],
        )
    return TransformerSpec(
        name=name,
        parameters=c["parameters"],
        **{key: c[key] for key in _TRANSFORMER_FIELDS},
        layers=c["layers"],
        gated_ffn=bool(c["gated_ffn"]),
        active_parameters=_given(c["active_parameters"], 0.0),
        experts=_given(c["experts"], 1),
        experts_per_token=_given(c["experts_per_token"], 1),
        kv_latent_dim=_given(c["kv_latent_dim"], 0),
    )


def _given(value: Any, default: Any) -> Any:
    """An empty optional cell takes the catalog's default; a written value (0 included) is kept."""
    return default if value is None else value


def _fleet_row(schema: SheetSchema, c: dict[str, Any]) -> FleetSpec:
    node = NodeSpec(
        name=c["node"] or f"{c['accelerator']} node",
        accelerator=_hardware(schema, c, c["accelerator"]),
        accelerators_per_node=c["accelerators_per_node"],
        node_power=c["node_power"],
        price=c["node_price"],
        nics_per_node=_given(c["nics_per_node"], 0),
        psus_per_node=_given(c["psus_per_node"], 0),
        storage_bandwidth=c["storage_bandwidth"],
        accelerator_memory_mtbf=c["accelerator_memory_mtbf"],
        embodied_carbon=c.get("node_embodied_carbon"),
    )
    fabric = FabricSpec(
        name=c["fabric"] or "fabric",
        bandwidth_per_accelerator=c["fabric_bandwidth"],
        latency=c["fabric_latency"],
        kind=c["fabric_kind"] or "infiniband",
    )
    return FleetSpec(name=c["name"] or c["id"], node=node, nodes=c["nodes"], fabric=fabric)


def _region_row(schema: SheetSchema, c: dict[str, Any]) -> tuple[GridSpec, DatacenterSpec]:
    grid = GridSpec(
        name=c["name"] or c["id"],
        carbon_intensity=c["carbon_intensity"],
        electricity_price=c["electricity_price"],
        carbon_year=c["carbon_year"] or "",
        carbon_basis=c["carbon_basis"] or "",
    )
    return grid, DatacenterSpec(name=c["facility"] or "facility", pue=c["pue"], wue=c["wue"])


_BUILDERS = {
    "hardware": _hardware_row,
    "model": _model_row,
    "fleet": _fleet_row,
    "region": _region_row,
}
