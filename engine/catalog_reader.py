"""Reading one catalog table: every number becomes a ``Measured`` with a checked unit and source."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from .catalog_units import CATALOG_UNITS
from .entry import Measured, Source
from .errors import CatalogError

_VALUE_KEYS = {"value", "unit", "source", "estimate", "note"}


class TableReader:
    """Reads fields of one entry, recording provenance and rejecting fields nobody asked for."""

    def __init__(self, where: str, table: Mapping[str, Any], sources: Mapping[str, Source]):
        self.where = where
        self.table = table
        self.sources = sources
        self.provenance: dict[str, Measured] = {}
        self._seen: set[str] = set()

    def text(self, field: str, default: str | None = None) -> str:
        self._seen.add(field)
        value = self.table.get(field, default)
        if value is None:
            raise CatalogError(self.where, f"missing text field {field!r}")
        if not isinstance(value, str):
            raise CatalogError(self.where, f"{field!r} must be text, got {value!r}")
        return value

    def flag(self, field: str, default: bool = False) -> bool:
        self._seen.add(field)
        value = self.table.get(field, default)
        if not isinstance(value, bool):
            raise CatalogError(self.where, f"{field!r} must be true or false, got {value!r}")
        return value

    def names(self, field: str) -> tuple[str, ...]:
        self._seen.add(field)
        value = self.table.get(field, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise CatalogError(self.where, f"{field!r} must be a list of text")
        return tuple(value)

    def number(self, field: str, dimension: str, *, required: bool = True) -> float | None:
        """SI value of a measured field, or None when optional and absent."""
        self._seen.add(field.split(".")[0])
        raw = _dig(self.table, field)
        if raw is None:
            if required:
                raise CatalogError(self.where, f"missing value {field!r} ({dimension})")
            return None
        # Ranges (positive, at least 1, ...) are the spec's to check, the same for a TOML table and a
        # workbook row; here a value only has to be a finite number in a unit of the right dimension.
        measured = measured_value(f"{self.where}.{field}", raw, dimension, self.sources, signed=True)
        self.provenance[field] = measured
        return measured.si_value

    def count(self, field: str, *, required: bool = True, default: int = 0) -> int:
        value = self.number(field, "count", required=required)
        if value is None:
            return default
        if value != int(value):
            raise CatalogError(self.where, f"{field!r} must be a whole number, got {value}")
        return int(value)

    def sub_table(self, field: str) -> Mapping[str, Any]:
        self._seen.add(field)
        value = self.table.get(field, {})
        if not isinstance(value, dict):
            raise CatalogError(self.where, f"{field!r} must be a table")
        return value

    def finish(self) -> dict[str, Measured]:
        """Reject unknown fields (a typo would otherwise drop a value silently)."""
        unknown = sorted(set(self.table) - self._seen)
        if unknown:
            raise CatalogError(self.where, f"unknown field(s) {', '.join(unknown)}")
        return self.provenance


def measured_value(
    where: str, raw: Any, dimension: str, sources: Mapping[str, Source], *, signed: bool = False
) -> Measured:
    """Validate one ``{value, unit, source[, estimate][, note]}`` table: a finite number (positive
    unless ``signed``: then the spec that takes it checks its range) in a catalog unit of
    ``dimension``, from a defined source."""
    if not isinstance(raw, dict):
        raise CatalogError(where, f"expected {{value, unit, source}}, got {raw!r}")
    extra = set(raw) - _VALUE_KEYS
    if extra:
        raise CatalogError(where, f"unknown key(s) {', '.join(sorted(extra))}")
    value = raw.get("value")
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise CatalogError(where, f"value must be a number, got {value!r}")
    if not math.isfinite(value):
        raise CatalogError(where, f"value must be a finite number, got {value}")
    if not signed and value <= 0:
        raise CatalogError(where, f"value must be positive, got {value}")
    unit = raw.get("unit", "")
    if unit not in CATALOG_UNITS:
        raise CatalogError(where, f"unknown unit {unit!r}; allowed: {', '.join(CATALOG_UNITS)}")
    unit_dimension, factor = CATALOG_UNITS[unit]
    if unit_dimension != dimension:
        raise CatalogError(where, f"unit {unit!r} is {unit_dimension}, expected {dimension}")
    source_id = raw.get("source")
    if not source_id:
        raise CatalogError(where, "no source")
    if source_id not in sources:
        raise CatalogError(where, f"unknown source id {source_id!r}")
    for key in ("estimate", "note"):
        if not isinstance(raw.get(key, ""), str):
            raise CatalogError(where, f"{key} must be text")
    return Measured(
        value=float(value),
        unit=unit,
        si_value=float(value) * factor,
        source=sources[source_id],
        estimate=raw.get("estimate", ""),
        note=raw.get("note", ""),
    )


def _dig(table: Mapping[str, Any], dotted: str) -> Any:
    node: Any = table
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node
