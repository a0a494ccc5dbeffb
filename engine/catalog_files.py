"""Reading catalog folders into raw tables, and laying user folders over the packaged catalog.

A catalog folder has the packaged layout: ``hardware/<tier>.toml``, ``models/<family>.toml``,
``systems/{nodes,fabrics,clusters}.toml``, ``infra/{grids,datacenters}.toml``, ``prices/cloud.toml``,
``sources/*.toml`` and ``assumptions.toml``. A user folder may hold any subset. Its entries are
added to the packaged ones;
an entry that has the id or any name of an existing entry is refused unless it says
``override = true``, and then it replaces the entry of the same id (everything that refers to that
id, such as a packaged node using an overridden accelerator, is built with the user's values).
Nothing is read until every folder has been checked, and the packaged files are never written.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import toml_cache
from .errors import CatalogError
from .names import normalize

HARDWARE_TIERS = ("cloud", "workstation", "edge", "mobile", "tiny")
MODEL_FAMILIES = ("language", "vision")
# (folder, file stem) -> kind of the entries in that file; a hardware tier or model family is the
# entries' group, any other file's group is its stem.
FILES: Mapping[tuple[str, str], str] = {
    **{("hardware", tier): "hardware" for tier in HARDWARE_TIERS},
    **{("models", family): "model" for family in MODEL_FAMILIES},
    ("systems", "fabrics"): "fabric",
    ("systems", "nodes"): "node",
    ("systems", "clusters"): "fleet",
    ("infra", "grids"): "grid",
    ("infra", "datacenters"): "datacenter",
    ("prices", "cloud"): "price",
}
FOLDERS = tuple(dict.fromkeys(folder for folder, _ in FILES))
KINDS = tuple(dict.fromkeys(FILES.values()))
PACKAGED = "packaged"
# The user catalog folders of the default catalog, ``os.pathsep``-separated.
ENVIRONMENT_VARIABLE = "MLSYSIM_CATALOG"


@dataclass(frozen=True, slots=True)
class RawEntry:
    kind: str
    id: str
    group: str
    where: str
    table: Mapping[str, Any]
    origin: str


@dataclass
class RawCatalog:
    """Every raw table of a catalog, merged over its folders in order."""

    sources: dict[str, tuple[str, Mapping[str, Any]]] = field(default_factory=dict)
    entries: dict[str, dict[str, RawEntry]] = field(default_factory=lambda: {k: {} for k in KINDS})
    # kind -> normalised name -> id of the entry it names (for the shadowing check)
    names: dict[str, dict[str, str]] = field(default_factory=lambda: {k: {} for k in KINDS})
    assumptions: dict[str, tuple[str, Mapping[str, Any]]] = field(default_factory=dict)


def read_catalog(packaged: Any, folders: Iterable[Path]) -> RawCatalog:
    """The packaged folder (a ``Traversable``), then each user folder laid over it."""
    raw = RawCatalog()
    _add_folder(raw, packaged, "catalog", PACKAGED)
    if not raw.assumptions:
        raise CatalogError("catalog/assumptions.toml", "missing")
    for folder in folders:
        if not folder.is_dir():
            raise CatalogError(str(folder), "is not a folder (a user catalog is a folder of TOML files)")
        _add_folder(raw, folder, str(folder), str(folder))
    return raw


def _add_folder(raw: RawCatalog, root: Any, label: str, origin: str) -> None:
    user = origin != PACKAGED
    if user:
        allowed = {*FOLDERS, "sources"}
        for item in root.iterdir():
            if item.is_dir() and item.name not in allowed and not item.name.startswith("."):
                raise CatalogError(
                    f"{label}/{item.name}", f"unknown folder; expected {', '.join(sorted(allowed))}"
                )
    for _stem, where, tables in _toml_files(root, "sources", label):
        for source_id, table in tables.items():
            _add_source(raw, where, source_id, table)
    for folder in FOLDERS:
        for stem, where, tables in _toml_files(root, folder, label):
            kind = FILES.get((folder, stem))
            if kind is None:
                expected = ", ".join(f"{s}.toml" for f, s in FILES if f == folder)
                raise CatalogError(where, f"unknown file; expected one of {expected}")
            for entry_id, table in tables.items():
                if not isinstance(table, dict):
                    raise CatalogError(f"{where}[{entry_id}]", "expected a table of fields")
                _add_entry(raw, RawEntry(kind, entry_id, stem, f"{where}[{entry_id}]", table, origin), user)
    assumptions = root.joinpath("assumptions.toml")
    if assumptions.is_file():
        where = f"{label}/assumptions.toml"
        for name, table in _parse(assumptions, where).items():
            _add_assumption(raw, where, name, table, user)


def _toml_files(root: Any, folder: str, label: str) -> list[tuple[str, str, dict[str, Any]]]:
    base = root.joinpath(folder)
    if not base.is_dir():
        return []
    found = []
    for item in sorted(base.iterdir(), key=lambda p: p.name):
        if item.name.endswith(".toml"):
            where = f"{label}/{folder}/{item.name}"
            found.append((item.name[:-5], where, _parse(item, where)))
    return found


def _parse(item: Any, where: str) -> dict[str, Any]:
    try:
        return toml_cache.loads(item.read_text("utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise CatalogError(where, f"not valid TOML: {exc}") from None
    except UnicodeDecodeError:
        raise CatalogError(where, "not UTF-8 text") from None


def _add_source(raw: RawCatalog, where: str, source_id: str, table: Any) -> None:
    if not isinstance(table, dict):
        raise CatalogError(f"{where}[{source_id}]", "expected a table (title, publisher, url, accessed)")
    existing = raw.sources.get(source_id)
    if existing is not None and existing[1] != table:
        raise CatalogError(
            f"{where}[{source_id}]", f"source {source_id!r} is already defined differently in {existing[0]}"
        )
    raw.sources[source_id] = (where, table)


def _names(entry: RawEntry) -> set[str]:
    names = [entry.id, entry.table.get("name", ""), *entry.table.get("aliases", [])]
    return {normalize(str(n)) for n in names if isinstance(n, str) and n}


def _add_entry(raw: RawCatalog, entry: RawEntry, user: bool) -> None:
    by_id = raw.entries[entry.kind]
    override = entry.table.get("override", False)
    if not user and "override" in entry.table:
        raise CatalogError(entry.where, "'override' belongs in a user catalog, not the packaged one")
    if override not in (True, False):
        raise CatalogError(f"{entry.where}.override", f"must be true or false, got {override!r}")
    table = {k: v for k, v in entry.table.items() if k != "override"}
    entry = RawEntry(entry.kind, entry.id, entry.group, entry.where, table, entry.origin)
    names = _names(entry)
    index = raw.names[entry.kind]
    for name in names:
        other_id = index.get(name, entry.id)
        if other_id != entry.id:
            other = by_id[other_id]
            raise CatalogError(
                entry.where, f"a name of {entry.id!r} also names {entry.kind} {other.id!r} ({other.where})"
            )
    existing = by_id.get(entry.id)
    if existing is None:
        if override:
            raise CatalogError(
                entry.where, f"override = true, but there is no {entry.kind} {entry.id!r} to override"
            )
    elif not user:
        raise CatalogError(entry.where, f"{entry.kind} {entry.id!r} is defined twice")
    elif not override:
        raise CatalogError(
            entry.where,
            f"{entry.kind} {entry.id!r} is already in the catalog ({existing.where}); "
            "add override = true to replace it, or choose another id",
        )
    if existing is not None:  # an override: the names of the entry it replaces are free again
        for name in _names(existing):
            index.pop(name, None)
    by_id[entry.id] = entry
    index.update(dict.fromkeys(names, entry.id))


def _add_assumption(raw: RawCatalog, where: str, name: str, table: Any, user: bool) -> None:
    if not isinstance(table, dict):
        raise CatalogError(f"{where}.{name}", "expected {value, unit, source}")
    if user:
        if name not in raw.assumptions:
            raise CatalogError(f"{where}.{name}", "unknown assumption; a user catalog can only override one")
        if table.get("override") is not True:
            raise CatalogError(f"{where}.{name}", "add override = true to replace the packaged assumption")
        table = {k: v for k, v in table.items() if k != "override"}
    raw.assumptions[name] = (where, table)
