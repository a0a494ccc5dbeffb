"""The catalog: every entry by kind, the sources and the assumptions, loaded once per folder set.

``load_catalog()`` is the default catalog: the packaged one, with the user folders named in the
``MLSYSIM_CATALOG`` environment variable (``os.pathsep``-separated) laid over it.
``load_catalog(folder, ...)`` lays the given folders over the packaged catalog instead
(``mlsysim.catalog_files`` has the rules). A ``Catalog`` is passed explicitly to whatever uses one —
facades (``ServingModel(catalog=...)``), sweeps, the CLI (``--catalog``), the Excel functions and
the planning workbook — and no entry looks anything up in a global catalog: a fleet holds its node,
fabric and accelerator entries.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from .assumptions import Assumptions, read_assumptions
from .catalog_builders import BUILDERS, spec_rules
from .catalog_files import ENVIRONMENT_VARIABLE, PACKAGED, RawCatalog, read_catalog
from .entry import CatalogEntry, Source
from .errors import CatalogError, InvalidInputError, UnknownEntryError
from .names import closest, normalize


@dataclass(frozen=True, eq=False)
class Catalog:
    """Every catalog entry by kind (``hardware``, ``model``, ``node``, ``fabric``, ``fleet``,
    ``grid``, ``datacenter``), the sources they cite and the engine's assumptions.

    ``folders`` are the user folders laid over the packaged catalog, in order (empty for the
    packaged catalog alone); an entry's ``origin`` says where it came from.
    """

    sources: Mapping[str, Source]
    entries: Mapping[str, Mapping[str, CatalogEntry]]
    assumptions: Assumptions
    folders: tuple[str, ...] = ()
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
        """The entry called ``name`` (id, display name or alias; case and punctuation ignored).

        A fleet may also be written ``node:accelerators:fabric`` (``"DGX_H100:2048:IB_NDR"``), which
        builds a fleet of that many accelerators (see ``fleet``)."""
        if kind not in self._index:
            raise UnknownEntryError("catalog kind", kind, closest(kind, self._index))
        found = self._index[kind].get(normalize(str(name)))
        if found is None:
            if kind == "fleet" and isinstance(name, str) and name.count(":") == 2:
                node, count, fabric = (part.strip() for part in name.split(":"))
                return self.fleet(node, _count("fleet accelerators", count, name), fabric)
            raise UnknownEntryError(kind, str(name), closest(str(name), self.entries[kind]))
        return found

    def has(self, kind: str, name: str) -> bool:
        return normalize(str(name)) in self._index.get(kind, {})

    def ids(self, kind: str) -> tuple[str, ...]:
        return tuple(self.entries[kind])

    def group(self, kind: str, group: str) -> dict[str, CatalogEntry]:
        return {k: e for k, e in self.entries[kind].items() if e.group == group}

    def user_entries(self, kind: str) -> tuple[CatalogEntry, ...]:
        """Entries of ``kind`` that came from a user folder (new or overriding a packaged one)."""
        return tuple(e for e in self.entries[kind].values() if e.origin != PACKAGED)

    def spec(self, kind: str, value: Any, spec_type: type | tuple[type, ...] = object) -> Any:
        """The SI spec behind ``value``: an entry, a spec, or a name looked up in this catalog."""
        if isinstance(value, CatalogEntry):
            value = value.spec
        elif isinstance(value, str):
            value = self.get(kind, value).spec
        if not isinstance(value, spec_type):
            raise InvalidInputError(kind, value, f"expected a catalog {kind} entry or its name")
        return value

    def fleet(self, node: Any, accelerators: int, fabric: Any) -> Any:
        """A fleet of ``accelerators`` accelerators in ``node`` servers on ``fabric``, of any size:
        ``catalog.fleet("DGX_H100", 2048, "IB_NDR")``. Its id is ``"DGX_H100:2048:IB_NDR"``, which
        ``get("fleet", ...)`` (and so every CLI, sweep and Excel fleet argument) accepts too."""
        from .systems.types import Fabric, Fleet, FleetSpec, Node

        node_entry = node if isinstance(node, Node) else self.get("node", node)
        fabric_entry = fabric if isinstance(fabric, Fabric) else self.get("fabric", fabric)
        per_node = node_entry.spec.accelerators_per_node
        count = _count("accelerators", accelerators, accelerators)
        if count % per_node:
            raise InvalidInputError(
                "accelerators", accelerators, f"a multiple of the {per_node} accelerators per {node_entry.id}"
            )
        nodes = count // per_node
        name = (
            f"{count} × {node_entry.spec.accelerator.name} ({nodes} {node_entry.name}, {fabric_entry.name})"
        )
        return Fleet(
            id=f"{node_entry.id}:{count}:{fabric_entry.id}",
            name=name,
            group="built",
            aliases=(),
            provenance={},
            spec=FleetSpec(name=name, node=node_entry.spec, nodes=nodes, fabric=fabric_entry.spec),
            node=node_entry,
            fabric=fabric_entry,
            origin=node_entry.origin,
        )

    def registry(self, name: str) -> Any:
        """One of the attribute-style registries (``Hardware``, ``Models``, ``Systems``, ``Infra``)
        over this catalog: ``catalog.registry("Hardware").Cloud.H100``."""
        return self._registries[name]

    @cached_property
    def _registries(self) -> dict[str, Any]:
        from .registry import build

        return {name: build(name, self) for name in ("Hardware", "Models", "Systems", "Infra")}

    def __getattr__(self, name: str) -> Any:
        if name in ("Hardware", "Models", "Systems", "Infra"):
            return self.registry(name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __repr__(self) -> str:
        counts = ", ".join(f"{len(v)} {k}" for k, v in self.entries.items())
        where = f" + {', '.join(self.folders)}" if self.folders else ""
        return f"<Catalog packaged{where}: {counts}>"


def _count(argument: str, value: Any, shown: Any) -> int:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InvalidInputError(argument, shown, "expected a whole number of accelerators") from None
    if isinstance(value, bool) or not number.is_integer() or number < 1:
        raise InvalidInputError(argument, shown, "expected a whole number of accelerators >= 1")
    return int(number)


def catalog_root() -> Any:
    return resources.files("mlsysim.catalog")


def build_catalog(raw: RawCatalog, folders: tuple[str, ...] = ()) -> Catalog:
    """Validate and build every entry of the merged raw tables (``catalog_files.read_catalog``)."""
    sources = {sid: _source(where, sid, table) for sid, (where, table) in raw.sources.items()}
    entries: dict[str, dict[str, CatalogEntry]] = {}
    for kind, builder in BUILDERS.items():  # nodes after hardware, fleets after nodes and fabrics
        built = entries.setdefault(kind, {})
        for item in raw.entries[kind].values():
            with spec_rules(item.where):
                entry = builder(item.where, item.id, item.group, dict(item.table), sources, entries)
            built[item.id] = entry if item.origin == PACKAGED else replace(entry, origin=item.origin)
    values = {name: table for name, (_where, table) in raw.assumptions.items()}
    where = next(iter(raw.assumptions.values()))[0]
    assumptions = read_assumptions(where, values, sources)
    return Catalog(sources=sources, entries=entries, assumptions=assumptions, folders=folders)


def _source(where: str, source_id: str, raw: Mapping[str, Any]) -> Source:
    missing = {"title", "publisher", "url", "accessed"} - set(raw)
    if missing:
        raise CatalogError(f"{where}[{source_id}]", f"missing {', '.join(sorted(missing))}")
    return Source(
        id=source_id,
        title=raw["title"],
        publisher=raw["publisher"],
        url=raw["url"],
        accessed=str(raw["accessed"]),
    )


@lru_cache(maxsize=16)
def _load(folders: tuple[str, ...]) -> Catalog:
    return build_catalog(read_catalog(catalog_root(), [Path(f) for f in folders]), folders)


def load_catalog_from(root: Any) -> Catalog:
    """A complete catalog folder on its own (not laid over the packaged one), e.g. a copy of the
    packaged catalog with edits; ``root`` is a path or a ``Traversable``."""
    return build_catalog(read_catalog(Path(root) if isinstance(root, str) else root, []))


def packaged_catalog() -> Catalog:
    """The packaged catalog alone, loaded once per process."""
    return _load(())


def load_catalog(*folders: str | os.PathLike[str], reload: bool = False) -> Catalog:
    """The packaged catalog with ``folders`` laid over it, in order; with no folders, the default
    catalog (the folders in ``$MLSYSIM_CATALOG``, if set). Loaded once per folder set; pass
    ``reload=True`` after editing the files."""
    if not folders:
        return default_catalog(reload=reload)
    key = tuple(str(Path(f).expanduser().resolve()) for f in folders)
    if reload:
        _load.cache_clear()
    return _load(key)


def default_catalog(*, reload: bool = False) -> Catalog:
    """The catalog used where none is passed: packaged, plus ``$MLSYSIM_CATALOG``'s folders."""
    if reload:
        _load.cache_clear()
        _default_for.cache_clear()
    return _default_for(os.environ.get(ENVIRONMENT_VARIABLE, ""))


@lru_cache(maxsize=8)
def _default_for(setting: str) -> Catalog:
    folders = [f for f in setting.split(os.pathsep) if f.strip()]
    if not folders:
        return _load(())
    return load_catalog(*folders)


def as_catalog(value: Any) -> Catalog:
    """A ``Catalog`` from what a caller passes: None (the default), a catalog, or a folder."""
    if value is None:
        return default_catalog()
    if isinstance(value, Catalog):
        return value
    if isinstance(value, str | os.PathLike):
        return load_catalog(value)
    raise InvalidInputError(
        "catalog", value, "expected a Catalog (mlsysim.load_catalog(...)) or a folder path"
    )
