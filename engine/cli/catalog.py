"""``mlsysim catalog [KIND] [ID]``: what the catalog holds, and where every number comes from.

Without a kind, the kinds and their sizes; with a kind, one row per entry with its key figures;
with an id, every value of that entry as written in the catalog, its unit, its SI value and its
source (title, publisher, URL, date read), plus the estimate's reasoning where a value is one. A
fleet also shows its node's, accelerator's and fabric's values. ``--json`` and ``--csv`` print the
same for machines.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Callable
from dataclasses import fields
from typing import Any

from ..entry import CatalogEntry, Measured
from ..errors import InvalidInputError
from ..names import closest, normalize
from . import import_hf
from ._catalog import add_catalog_option, chosen_catalog
from ._table import render

# Command-line kind -> catalog kind; other accepted spellings below.
KINDS = {
    "hardware": "hardware",
    "models": "model",
    "fleets": "fleet",
    "regions": "grid",
    "nodes": "node",
    "fabrics": "fabric",
    "datacenters": "datacenter",
}
_SPELLINGS = {
    "model": "models",
    "fleet": "fleets",
    "region": "regions",
    "grid": "regions",
    "grids": "regions",
    "node": "nodes",
    "fabric": "fabrics",
    "datacenter": "datacenters",
    "clusters": "fleets",
    "accelerators": "hardware",
    "gpus": "hardware",
}


def _scaled(value: float | None, factor: float) -> float | None:
    return None if value is None else value * factor


def _flops(entry: CatalogEntry) -> float:
    spec = entry.spec
    return spec.flops(spec.default_precision) / 1e12


# Key figures of each kind for the list view: column name (unit in the name) -> value.
LIST_COLUMNS: dict[str, dict[str, Callable[[Any], Any]]] = {
    "hardware": {
        "tier": lambda e: e.group,
        "peak_tflop_per_s": _flops,
        "at_precision": lambda e: e.spec.default_precision.value,
        "memory_gb": lambda e: e.spec.memory_capacity / 1e9,
        "memory_bandwidth_gb_per_s": lambda e: e.spec.memory_bandwidth / 1e9,
        "tdp_w": lambda e: e.spec.tdp,
        "price_usd": lambda e: e.spec.price,
    },
    "model": {
        "family": lambda e: e.group,
        "kind": lambda e: e.kind,
        "parameters_billion": lambda e: e.spec.parameters / 1e9,
        "layers": lambda e: e.spec.layers,
        "hidden_size": lambda e: getattr(e.spec, "hidden_size", None),
        "max_context": lambda e: getattr(e.spec, "max_context", None),
    },
    "fleet": {
        "accelerator": lambda e: e.accelerator.id,
        "accelerators": lambda e: e.spec.accelerators,
        "nodes": lambda e: e.spec.nodes,
        "node": lambda e: e.node_id,
        "fabric": lambda e: e.fabric_id,
        "node_price_usd": lambda e: e.spec.node.price,
    },
    "grid": {
        "carbon_intensity_g_per_kwh": lambda e: e.spec.carbon_intensity * 3.6e9,
        "electricity_price_usd_per_kwh": lambda e: _scaled(e.spec.electricity_price, 3.6e6),
        "carbon_year": lambda e: e.spec.carbon_year,
        "carbon_basis": lambda e: e.spec.carbon_basis,
    },
    "node": {
        "accelerator": lambda e: e.accelerator_id,
        "accelerators_per_node": lambda e: e.spec.accelerators_per_node,
        "node_power_w": lambda e: e.spec.node_power,
        "price_usd": lambda e: e.spec.price,
    },
    "fabric": {
        "kind": lambda e: e.spec.kind,
        "bandwidth_per_accelerator_gb_per_s": lambda e: e.spec.bandwidth_per_accelerator / 1e9,
        "latency_us": lambda e: e.spec.latency * 1e6,
    },
    "datacenter": {
        "pue": lambda e: e.spec.pue,
        "wue_l_per_kwh": lambda e: e.spec.wue * 3.6e6,
    },
}

VALUE_COLUMNS = (
    "field",
    "value",
    "unit",
    "si_value",
    "source",
    "title",
    "publisher",
    "url",
    "accessed",
    "estimate",
    "note",
)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "catalog",
        help="list catalog entries, or show one entry's values, units and sources",
        description=__doc__.split("\n\n", 1)[1].replace("``", ""),
        epilog="examples:\n  mlsysim catalog\n  mlsysim catalog hardware\n  mlsysim catalog hardware H100\n"
        "  mlsysim catalog models Llama3_70B --json\n  mlsysim catalog regions --csv > regions.csv\n"
        "  mlsysim catalog import-hf path/to/config.json --to my-catalog",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("kind", nargs="?", metavar="KIND", help=f"one of {', '.join(KINDS)}, or import-hf")
    parser.add_argument("id", nargs="?", metavar="ID", help="an entry's id, name or alias (e.g. H100)")
    form = parser.add_mutually_exclusive_group()
    form.add_argument("--json", action="store_true", help="print JSON")
    form.add_argument("--csv", action="store_true", help="print CSV")
    add_catalog_option(parser)
    import_hf.add_arguments(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.kind == import_hf.COMMAND:
        return import_hf.run(args)
    if args.to is not None or args.entry_id is not None or args.force or args.override:
        raise InvalidInputError(
            "--to/--id/--force/--override", args.kind, f"only for mlsysim catalog {import_hf.COMMAND}"
        )
    catalog = chosen_catalog(args)
    if args.kind is None:
        rows = [{"kind": name, "entries": len(catalog.entries[kind])} for name, kind in KINDS.items()]
        return _emit(args, ("kind", "entries"), rows)
    kind = catalog_kind(args.kind)
    if args.id is None:
        columns = LIST_COLUMNS[kind]
        rows = [
            {"id": e.id, "name": e.name, **{name: get(e) for name, get in columns.items()}}
            for e in catalog.entries[kind].values()
        ]
        return _emit(args, ("id", "name", *columns), rows)
    entry = catalog.get(kind, args.id)
    values = entry_values(entry)
    if args.json:
        print(json.dumps({**_identity(entry, kind), "values": values}, indent=2))
        return 0
    if args.csv:
        return _write_csv(VALUE_COLUMNS, values)
    identity = _identity(entry, kind)
    print(f"{entry.id}: {entry.name} ({kind}, {entry.group})")
    if entry.aliases:
        print(f"  aliases: {', '.join(entry.aliases)}")
    for key, value in identity["properties"].items():
        print(f"  {key}: {value}")
    print()
    print(
        render(
            ("field", "value", "unit", "source"),
            [(v["field"], v["value"], v["unit"], v["source"]) for v in values],
        )
    )
    remarks = [(v["field"], v["estimate"], v["note"]) for v in values if v["estimate"] or v["note"]]
    if remarks:
        print("\nestimates and notes:")
        for field, estimate, note in remarks:
            text = "; ".join(t for t in (f"estimate: {estimate}" if estimate else "", note) if t)
            print(f"  {field}: {text}")
    print("\nsources:")
    seen: dict[str, dict[str, str]] = {v["source"]: v for v in values}
    for source_id, v in seen.items():
        where = f", {v['url']}" if v["url"] else ""
        print(f"  {source_id}: {v['title']} ({v['publisher']}){where}, read {v['accessed']}")
    return 0


def catalog_kind(name: str) -> str:
    """The catalog kind for a command-line kind (``models``, ``model``, ``regions``...)."""
    key = normalize(name)
    key = _SPELLINGS.get(key, key)
    if key in KINDS:
        return KINDS[key]
    hint = closest(name, [*KINDS, *_SPELLINGS])
    near = f" (closest: {', '.join(hint)})" if hint else ""
    raise InvalidInputError("kind", name, f"expected one of {', '.join(KINDS)}{near}")


def entry_values(entry: CatalogEntry, prefix: str = "") -> list[dict[str, Any]]:
    """Every sourced value of ``entry`` (and of the node, accelerator and fabric it is built from)."""
    values = [_value(f"{prefix}{field}", measured) for field, measured in entry.provenance.items()]
    for part in ("node", "accelerator", "fabric"):
        held = getattr(entry, part, None)
        if isinstance(held, CatalogEntry) and not (part == "accelerator" and hasattr(entry, "node")):
            values += entry_values(held, f"{prefix}{part}.")
    return values


def _value(field: str, measured: Measured) -> dict[str, Any]:
    source = measured.source
    return {
        "field": field,
        "value": int(measured.value) if float(measured.value).is_integer() else measured.value,
        "unit": measured.unit,
        "si_value": measured.si_value,
        "source": source.id,
        "title": source.title,
        "publisher": source.publisher,
        "url": source.url,
        "accessed": source.accessed,
        "estimate": measured.estimate,
        "note": measured.note,
    }


def _identity(entry: CatalogEntry, kind: str) -> dict[str, Any]:
    """Id, name, group, aliases and the entry's unsourced properties (vendor, flags, links)."""
    skip = {"id", "name", "group", "aliases", "provenance", "spec"}
    properties = {f.name: _shown(getattr(entry, f.name)) for f in fields(entry) if f.name not in skip}
    spec_fields = (
        {f.name for f in fields(entry.spec)} if hasattr(entry.spec, "__dataclass_fields__") else set()
    )
    for name in sorted(spec_fields - set(entry.provenance) - {"name"}):
        value = getattr(entry.spec, name)
        if isinstance(value, bool | int | float | str):
            properties[name] = value
    return {
        "kind": kind,
        "id": entry.id,
        "name": entry.name,
        "group": entry.group,
        "aliases": list(entry.aliases),
        "properties": {k: v for k, v in properties.items() if v != ""},
    }


def _shown(value: Any) -> Any:
    """A property as printed: an entry it holds (a fleet's node) by its id."""
    return value.id if isinstance(value, CatalogEntry) else value


def _emit(args: argparse.Namespace, columns: tuple[str, ...], rows: list[dict[str, Any]]) -> int:
    if args.json:
        print(json.dumps(rows, indent=2))
    elif args.csv:
        _write_csv(columns, rows)
    else:
        print(render(columns, [[row[c] for c in columns] for row in rows]))
    return 0


def _write_csv(columns: tuple[str, ...], rows: list[dict[str, Any]]) -> int:
    writer = csv.DictWriter(sys.stdout, fieldnames=list(columns), extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return 0
