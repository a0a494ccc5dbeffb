"""A catalog's entries as catalog-sheet rows (the inverse of ``sheet_rows``).

Each value is the SI value divided by the column's factor, written as the shortest decimal that
converts back to exactly the same SI float where one exists (3350, not 3349.9999999999995), so a
row read back gives the catalog's spec.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from mlsysim.entry import CatalogEntry
from mlsysim.enums import Precision
from mlsysim.hardware.types import HardwareSpec

from .sheet_schema import SheetSchema

# The facility a packaged region row is paired with: the site default of the seed API.
DEFAULT_FACILITY = "hyperscale"


def sheet_value(si: float | None, factor: float) -> float | None:
    """``si`` in sheet units, as the shortest decimal that round-trips to ``si`` exactly."""
    if si is None:
        return None
    plain = si / factor
    for digits in range(6, 18):
        short = float(f"{plain:.{digits}g}")
        if short * factor == si:
            return short
    return plain


def _sources(entries: Iterable[CatalogEntry]) -> str:
    ids = sorted({m.source.id for e in entries for m in e.provenance.values()})
    return "; ".join(ids)


def _hardware_values(spec: HardwareSpec) -> dict[str, Any]:
    values: dict[str, Any] = {f"peak_flops.{p.value}": spec.peak_flops.get(p) for p in Precision}
    values.update(
        memory_capacity=spec.memory_capacity,
        memory_bandwidth=spec.memory_bandwidth,
        tdp=spec.tdp,
        scale_up_bandwidth=spec.scale_up_bandwidth,
        price=spec.price,
        embodied_carbon=spec.embodied_carbon,
        scale_up_topology=spec.scale_up_topology or None,  # an empty cell, as the workbook writes it
        scale_up_domain=spec.scale_up_domain,
    )
    return values


def _hardware(entry: Any, catalog: Any) -> dict[str, Any]:
    return {"id": entry.id, "name": entry.name, "vendor": entry.vendor, **_hardware_values(entry.spec)}


def _model(entry: Any, catalog: Any) -> dict[str, Any]:
    spec = entry.spec
    values = {"id": entry.id, "name": entry.name, "kind": entry.kind, "family": entry.group}
    values |= {f: getattr(spec, f, None) for f in ("parameters", "layers", "flops_per_inference")}
    if entry.is_transformer:
        for field in (
            "active_parameters",
            "hidden_size",
            "heads",
            "kv_heads",
            "head_dim",
            "ffn_size",
            "vocab_size",
            "max_context",
            "gated_ffn",
            "experts",
            "experts_per_token",
            "kv_latent_dim",
        ):
            values[field] = getattr(spec, field)
    else:
        values["activations_per_inference"] = spec.activations_per_inference
    return values


def _fleet(entry: Any, catalog: Any) -> dict[str, Any]:
    node, fabric, spec = entry.node, entry.fabric, entry.spec
    return {
        "id": entry.id,
        "name": entry.name,
        "accelerator": node.accelerator_id,
        **_hardware_values(spec.accelerator),
        "node": node.id,
        "accelerators_per_node": spec.node.accelerators_per_node,
        "node_power": spec.node.node_power,
        "node_price": spec.node.price,
        "nics_per_node": spec.node.nics_per_node,
        "psus_per_node": spec.node.psus_per_node,
        "storage_bandwidth": spec.node.storage_bandwidth,
        "accelerator_memory_mtbf": spec.node.accelerator_memory_mtbf,
        "node_embodied_carbon": spec.node.embodied_carbon,
        "nodes": spec.nodes,
        "fabric": fabric.id,
        "fabric_kind": spec.fabric.kind,
        "fabric_bandwidth": spec.fabric.bandwidth_per_accelerator,
        "fabric_latency": spec.fabric.latency,
        "source": _sources((entry, node, fabric)),
    }


def _region(entry: Any, catalog: Any) -> dict[str, Any]:
    facility = catalog.entries["datacenter"][DEFAULT_FACILITY]
    return {
        "id": entry.id,
        "name": entry.name,
        "carbon_intensity": entry.spec.carbon_intensity,
        "electricity_price": entry.spec.electricity_price,
        "carbon_year": entry.spec.carbon_year,
        "carbon_basis": entry.spec.carbon_basis or None,
        "facility": facility.id,
        "pue": facility.spec.pue,
        "wue": facility.spec.wue,
        "source": _sources((entry, facility)),
    }


_EXPORTERS = {"hardware": _hardware, "model": _model, "fleet": _fleet, "region": _region}
_CATALOG_KIND = {"hardware": "hardware", "model": "model", "fleet": "fleet", "region": "grid"}


def export_rows(schema: SheetSchema, catalog: Any, extra: Iterable[CatalogEntry] = ()) -> list[tuple]:
    """Every entry of ``catalog`` of the sheet's kind as a row, then the ``extra`` entries; the
    Source cell of an entry from a user catalog folder starts with ``user catalog <folder>:``."""
    rows = []
    for entry in (*catalog.entries[_CATALOG_KIND[schema.kind]].values(), *extra):
        values = _EXPORTERS[schema.kind](entry, catalog)
        values.setdefault("source", _sources((entry,)))
        if entry.origin != "packaged":
            values["source"] = f"user catalog {entry.origin}: {values['source']}"
        rows.append(tuple(_cell(column, values.get(column.key)) for column in schema.columns))
    return rows


def _cell(column: Any, value: Any) -> Any:
    if value is None or column.type in ("text", "flag"):
        return value
    if column.type == "whole":
        return int(value)
    return sheet_value(value, column.factor)
