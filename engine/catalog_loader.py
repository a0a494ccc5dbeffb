"""Load ``catalog/*.toml`` into frozen entries, once, and look entries up by any of their names."""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from .assumptions import Assumptions, read_assumptions
from .catalog_builders import BUILDERS, HARDWARE_TIERS, MODEL_FAMILIES, build_fleet, build_node
from .entry import CatalogEntry, Source
from .errors import CatalogError, UnknownEntryError
from .names import closest, normalize


@dataclass(frozen=True)
class Catalog:
    """Every catalog entry by kind (``hardware``, ``model``, ``node``, ...) and its group."""

    sources: Mapping[str, Source]
    entries: Mapping[str, Mapping[str, CatalogEntry]]
    assumptions: Assumptions
    _index: dict[str, dict[str, CatalogEntry]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for kind, by_id in self.entries.items():
            index: dict[str, CatalogEntry] = {}
            for entry in by_id.values():
                for name in (entry.id, entry.name, *entry.aliases):
                    key = normalize(name)
                    if key in index and index[key] is not entry:
                        other = index[key].id
                        raise CatalogError(kind, f"name {name!r} of {entry.id} also names {other}")
                    index[key] = entry
            self._index[kind] = index

    def get(self, kind: str, name: str) -> Any:
        """The entry called ``name`` (id, display name or alias; case and punctuation ignored)."""
        if kind not in self._index:
            raise UnknownEntryError("catalog kind", kind, closest(kind, self._index))
        found = self._index[kind].get(normalize(str(name)))
        if found is None:
            raise UnknownEntryError(kind, str(name), closest(str(name), self.entries[kind]))
        return found

    def ids(self, kind: str) -> tuple[str, ...]:
        return tuple(self.entries[kind])

    def group(self, kind: str, group: str) -> dict[str, CatalogEntry]:
        return {k: e for k, e in self.entries[kind].items() if e.group == group}

    def hardware_by_spec(self, spec: Any) -> Any:
        for entry in self.entries["hardware"].values():
            if entry.spec is spec:
                return entry
        raise UnknownEntryError("hardware", getattr(spec, "name", "?"))


def catalog_root() -> Any:
    return resources.files("mlsysim.catalog")


def _read_folder(root: Any, folder: str) -> Iterable[tuple[str, str, dict[str, Any]]]:
    """(file stem, where, parsed table) for every TOML file in ``folder``, sorted by name."""
    base = root.joinpath(folder)
    if not base.is_dir():
        return []
    found = []
    for item in sorted(base.iterdir(), key=lambda p: p.name):
        if item.name.endswith(".toml"):
            where = f"catalog/{folder}/{item.name}"
            try:
                found.append((item.name[:-5], where, tomllib.loads(item.read_text("utf-8"))))
            except tomllib.TOMLDecodeError as exc:
                raise CatalogError(where, f"not valid TOML: {exc}") from None
    return found


def _read_sources(root: Any) -> dict[str, Source]:
    sources: dict[str, Source] = {}
    for _stem, where, tables in _read_folder(root, "sources"):
        for source_id, raw in tables.items():
            if source_id in sources:
                raise CatalogError(where, f"source {source_id!r} is defined twice")
            missing = {"title", "publisher", "url", "accessed"} - set(raw)
            if missing:
                raise CatalogError(f"{where}[{source_id}]", f"missing {', '.join(sorted(missing))}")
            sources[source_id] = Source(
                id=source_id,
                title=raw["title"],
                publisher=raw["publisher"],
                url=raw["url"],
                accessed=str(raw["accessed"]),
            )
    return sources


def load_catalog_from(root: Any) -> Catalog:
    """Load and validate a catalog folder (the packaged one, or any folder of the same layout)."""
    sources = _read_sources(root)
    entries: dict[str, dict[str, CatalogEntry]] = {}

    def add(kind: str, entry: CatalogEntry, where: str) -> None:
        by_id = entries.setdefault(kind, {})
        if entry.id in by_id:
            raise CatalogError(where, f"{kind} {entry.id!r} is defined twice")
        by_id[entry.id] = entry

    for kind, folder, groups in (
        ("hardware", "hardware", HARDWARE_TIERS),
        ("model", "models", MODEL_FAMILIES),
    ):
        for stem, where, tables in _read_folder(root, folder):
            if stem not in groups:
                raise CatalogError(where, f"unknown file; expected one of {', '.join(groups)}")
            for entry_id, raw in tables.items():
                add(
                    kind,
                    BUILDERS[kind](f"{where}[{entry_id}]", entry_id, stem, raw, sources),
                    where,
                )
    entries.setdefault("hardware", {})
    entries.setdefault("model", {})

    systems = {stem: (where, t) for stem, where, t in _read_folder(root, "systems")}
    infra = {stem: (where, t) for stem, where, t in _read_folder(root, "infra")}
    for kind, stem, files in (
        ("fabric", "fabrics", systems),
        ("grid", "grids", infra),
        ("datacenter", "datacenters", infra),
    ):
        where, tables = files.get(stem, (f"catalog/{stem}.toml", {}))
        entries.setdefault(kind, {})
        for entry_id, raw in tables.items():
            add(kind, BUILDERS[kind](f"{where}[{entry_id}]", entry_id, stem, raw, sources), where)

    entries.setdefault("node", {})
    where, tables = systems.get("nodes", ("catalog/systems/nodes.toml", {}))
    for entry_id, raw in tables.items():
        add("node", build_node(f"{where}[{entry_id}]", entry_id, raw, sources, entries), where)
    entries.setdefault("fleet", {})
    where, tables = systems.get("clusters", ("catalog/systems/clusters.toml", {}))
    for entry_id, raw in tables.items():
        add("fleet", build_fleet(f"{where}[{entry_id}]", entry_id, raw, sources, entries), where)

    assumptions_file = root.joinpath("assumptions.toml")
    raw_assumptions = tomllib.loads(assumptions_file.read_text("utf-8"))
    assumptions = read_assumptions("catalog/assumptions.toml", raw_assumptions, sources)
    return Catalog(sources=sources, entries=entries, assumptions=assumptions)


@cache
def load_catalog() -> Catalog:
    """The packaged catalog, loaded once per process."""
    return load_catalog_from(catalog_root())
