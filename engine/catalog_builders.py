"""Turn one validated TOML table into a typed catalog entry (one builder per kind)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from .catalog_reader import TableReader
from .entry import CatalogEntry, Source
from .enums import Precision
from .errors import CatalogError, InvalidInputError
from .hardware.types import HardwareNode, HardwareSpec
from .infra.types import Datacenter, DatacenterSpec, Grid, GridSpec
from .models.types import CNNSpec, Model, TransformerSpec
from .names import closest
from .prices import CloudPrice, PriceSpec, Term
from .systems.types import Fabric, FabricSpec, Fleet, FleetSpec, Node, NodeSpec

Sources = Mapping[str, Source]
Entries = Mapping[str, Mapping[str, CatalogEntry]]


@contextmanager
def spec_rules(where: str) -> Iterator[None]:
    """A spec's own range checks (``InvalidInputError``) reported against the catalog file."""
    try:
        yield
    except InvalidInputError as exc:
        raise CatalogError(f"{where}.{exc.argument}", f"{exc.value!r}: {exc.valid}") from None


def _identity(reader: TableReader, entry_id: str) -> dict[str, Any]:
    return {
        "id": entry_id,
        "name": reader.text("name"),
        "aliases": reader.names("aliases"),
    }


def build_hardware(where: str, entry_id: str, tier: str, raw: dict, sources: Sources) -> HardwareNode:
    r = TableReader(where, raw, sources)
    ident = _identity(r, entry_id)
    flops_table = r.sub_table("peak_flops")
    unknown = set(flops_table) - {p.value for p in Precision}
    if unknown:
        raise CatalogError(where, f"unknown precision(s) {', '.join(sorted(unknown))}")
    peak = {p: r.number(f"peak_flops.{p.value}", "compute_rate") for p in Precision if p.value in flops_table}
    if not peak:
        raise CatalogError(where, "no peak_flops")
    spec = HardwareSpec(
        name=ident["name"],
        peak_flops=peak,  # type: ignore[arg-type]
        memory_capacity=r.number("memory_capacity", "data"),  # type: ignore[arg-type]
        memory_bandwidth=r.number("memory_bandwidth", "bandwidth"),  # type: ignore[arg-type]
        tdp=r.number("tdp", "power"),  # type: ignore[arg-type]
        scale_up_bandwidth=r.number("scale_up_bandwidth", "bandwidth", required=False),
        price=r.number("price", "money", required=False),
        embodied_carbon=r.number("embodied_carbon", "carbon_mass", required=False),
        scale_up_topology=r.text("scale_up_topology", ""),
        scale_up_domain=r.count("scale_up_domain", required=False) or None,
    )
    vendor, released = r.text("vendor", ""), r.text("released", "")
    return HardwareNode(
        **ident, group=tier, spec=spec, vendor=vendor, released=released, provenance=r.finish()
    )


def build_model(where: str, entry_id: str, family: str, raw: dict, sources: Sources) -> Model:
    r = TableReader(where, raw, sources)
    ident = _identity(r, entry_id)
    kind = r.text("kind")
    spec: TransformerSpec | CNNSpec
    if kind == "transformer":
        spec = TransformerSpec(
            name=ident["name"],
            parameters=r.number("parameters", "count"),  # type: ignore[arg-type]
            layers=r.count("layers"),
            hidden_size=r.count("hidden_size"),
            heads=r.count("heads"),
            kv_heads=r.count("kv_heads"),
            head_dim=r.count("head_dim"),
            ffn_size=r.count("ffn_size"),
            vocab_size=r.count("vocab_size"),
            max_context=r.count("max_context"),
            gated_ffn=r.flag("gated_ffn"),
            active_parameters=r.number("active_parameters", "count", required=False) or 0.0,
            experts=r.count("experts", required=False, default=1),
            experts_per_token=r.count("experts_per_token", required=False, default=1),
            kv_latent_dim=r.count("kv_latent_dim", required=False, default=0),
        )
    elif kind == "cnn":
        r.text("input_resolution", "")
        spec = CNNSpec(
            name=ident["name"],
            parameters=r.number("parameters", "count"),  # type: ignore[arg-type]
            flops_per_inference=r.number("flops_per_inference", "compute"),  # type: ignore[arg-type]
            layers=r.count("layers"),
            activations_per_inference=r.number("activations_per_inference", "count"),  # type: ignore[arg-type]
        )
    else:
        raise CatalogError(where, f"kind must be 'transformer' or 'cnn', got {kind!r}")
    return Model(**ident, group=family, spec=spec, kind=kind, provenance=r.finish())


def build_fabric(where: str, entry_id: str, group: str, raw: dict, sources: Sources) -> Fabric:
    r = TableReader(where, raw, sources)
    ident = _identity(r, entry_id)
    spec = FabricSpec(
        name=ident["name"],
        bandwidth_per_accelerator=r.number("bandwidth_per_accelerator", "bandwidth"),  # type: ignore[arg-type]
        latency=r.number("latency", "time"),  # type: ignore[arg-type]
        kind=r.text("kind", "infiniband"),
    )
    return Fabric(**ident, group=group, spec=spec, provenance=r.finish())


def build_grid(where: str, entry_id: str, group: str, raw: dict, sources: Sources) -> Grid:
    r = TableReader(where, raw, sources)
    ident = _identity(r, entry_id)
    spec = GridSpec(
        name=ident["name"],
        carbon_intensity=r.number("carbon_intensity", "carbon_intensity"),  # type: ignore[arg-type]
        electricity_price=r.number("electricity_price", "energy_price", required=False),
        carbon_year=r.text("carbon_year", ""),
        carbon_basis=r.text("carbon_basis", ""),
    )
    return Grid(**ident, group=group, spec=spec, provenance=r.finish())


def build_datacenter(where: str, entry_id: str, group: str, raw: dict, sources: Sources) -> Datacenter:
    r = TableReader(where, raw, sources)
    ident = _identity(r, entry_id)
    spec = DatacenterSpec(
        name=ident["name"],
        pue=r.number("pue", "count"),  # type: ignore[arg-type]
        wue=r.number("wue", "water_intensity"),  # type: ignore[arg-type]
    )
    return Datacenter(**ident, group=group, spec=spec, provenance=r.finish())


def _reference(where: str, kind: str, name: str, entries: Entries) -> Any:
    found = entries.get(kind, {}).get(name)
    if found is None:
        known = closest(name, entries.get(kind, {}))
        hint = f" (closest: {', '.join(known)})" if known else ""
        raise CatalogError(where, f"refers to unknown {kind} {name!r}{hint}")
    return found


def build_node(where: str, entry_id: str, group: str, raw: dict, sources: Sources, entries: Entries) -> Node:
    r = TableReader(where, raw, sources)
    ident = _identity(r, entry_id)
    accelerator = _reference(where, "hardware", r.text("accelerator"), entries)
    spec = NodeSpec(
        name=ident["name"],
        accelerator=accelerator.spec,
        accelerators_per_node=r.count("accelerators_per_node"),
        node_power=r.number("node_power", "power"),  # type: ignore[arg-type]
        price=r.number("price", "money", required=False),
        nics_per_node=r.count("nics_per_node", required=False),
        psus_per_node=r.count("psus_per_node", required=False),
        storage_bandwidth=r.number("storage_bandwidth", "bandwidth", required=False),
        accelerator_memory_mtbf=r.number("accelerator_memory_mtbf", "time", required=False),
        embodied_carbon=r.number("embodied_carbon", "carbon_mass", required=False),
    )
    return Node(**ident, group=group, spec=spec, accelerator=accelerator, provenance=r.finish())


def build_fleet(
    where: str, entry_id: str, group: str, raw: dict, sources: Sources, entries: Entries
) -> Fleet:
    r = TableReader(where, raw, sources)
    ident = _identity(r, entry_id)
    node = _reference(where, "node", r.text("node"), entries)
    fabric = _reference(where, "fabric", r.text("fabric"), entries)
    spec = FleetSpec(name=ident["name"], node=node.spec, nodes=r.count("nodes"), fabric=fabric.spec)
    return Fleet(**ident, group=group, spec=spec, node=node, fabric=fabric, provenance=r.finish())


def build_price(
    where: str, entry_id: str, group: str, raw: dict, sources: Sources, entries: Entries
) -> CloudPrice:
    """A rental offer: its accelerator (a hardware entry) and its rates per accelerator-hour."""
    r = TableReader(where, raw, sources)
    ident = _identity(r, entry_id)
    accelerator = _reference(where, "hardware", r.text("accelerator"), entries)
    rates = {term: r.number(term.value, "money_rate", required=False) for term in Term}
    spec = PriceSpec(
        name=ident["name"],
        provider=r.text("provider"),
        instance=r.text("instance"),
        region=r.text("region", ""),
        accelerator=accelerator.spec,
        accelerators_per_instance=r.count("accelerators_per_instance"),
        date_read=r.text("date_read"),
        rates={term: rate for term, rate in rates.items() if rate is not None},
    )
    return CloudPrice(**ident, group=group, spec=spec, accelerator=accelerator, provenance=r.finish())


def _standalone(builder: Any) -> Any:
    """A builder of an entry that refers to no other entry, in the common signature."""

    def build(where: str, entry_id: str, group: str, raw: dict, sources: Sources, _entries: Entries) -> Any:
        return builder(where, entry_id, group, raw, sources)

    return build


# kind -> builder(where, id, group, table, sources, entries built so far); in the order they build.
BUILDERS = {
    "hardware": _standalone(build_hardware),
    "model": _standalone(build_model),
    "fabric": _standalone(build_fabric),
    "grid": _standalone(build_grid),
    "datacenter": _standalone(build_datacenter),
    "node": build_node,
    "fleet": build_fleet,
    "price": build_price,
}
