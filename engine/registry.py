"""Attribute-style registries over the catalog: ``Hardware.Cloud.H100``, ``Models.Language...``.

Attribute access uses the exact registry name (as in the spec); ``get()`` accepts any id, display
name or alias with case and punctuation ignored, and an unknown name raises ``UnknownEntryError``
naming the closest entries.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from .errors import UnknownEntryError
from .names import closest


class UnknownRegistryAttribute(UnknownEntryError, AttributeError):  # type: ignore[misc]
    """An unknown registry attribute: a ``KeyError`` for our users, an ``AttributeError`` for Python."""


class Group:
    """A named set of entries of one kind, e.g. ``Hardware.Cloud``."""

    def __init__(self, kind: str, label: str, entries: Mapping[str, Any], catalog: Any) -> None:
        self._kind = kind
        self._label = label
        self._entries = dict(entries)
        self._catalog = catalog

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        try:
            return self._entries[name]
        except KeyError:
            raise UnknownRegistryAttribute(
                f"{self._kind} in {self._label}", name, closest(name, self._entries)
            ) from None

    def get(self, name: str) -> Any:
        """Look up by any name of the entry (id, display name, alias), case-insensitively."""
        entry = self._catalog.get(self._kind, name)
        if entry.id not in self._entries:
            raise UnknownEntryError(f"{self._kind} in {self._label}", name, closest(name, self._entries))
        return entry

    def __getitem__(self, name: str) -> Any:
        return self.get(name)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._entries.values())

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __dir__(self) -> list[str]:
        return [*self._entries, "get", "names"]

    def names(self) -> tuple[str, ...]:
        return tuple(self._entries)

    def __repr__(self) -> str:
        return f"<{self._label}: {', '.join(self._entries)}>"


class Namespace(Group):
    """A registry with sub-groups (``Hardware.Cloud``) that also finds entries directly."""

    def __init__(self, kind: str, label: str, groups: Mapping[str, Group], catalog: Any) -> None:
        merged: dict[str, Any] = {}
        for group in groups.values():
            merged.update(group._entries)
        super().__init__(kind, label, merged, catalog)
        self._groups = dict(groups)

    def __getattr__(self, name: str) -> Any:
        groups = self.__dict__.get("_groups", {})
        if name in groups:
            return groups[name]
        return super().__getattr__(name)

    def __dir__(self) -> list[str]:
        return [*self._groups, *super().__dir__()]


class SystemsNamespace(Namespace):
    """``Systems``: clusters, nodes and fabrics, and ``fleet()`` for a fleet of any size."""

    def fleet(self, node: Any, accelerators: int, fabric: Any) -> Any:
        """``Systems.fleet("DGX_H100", 2048, "IB_NDR")``: see ``Catalog.fleet``."""
        return self._catalog.fleet(node, accelerators, fabric)

    def __dir__(self) -> list[str]:
        return [*super().__dir__(), "fleet"]


def _namespace(kind: str, label: str, groups: Mapping[str, str], catalog: Any) -> Namespace:
    return Namespace(
        kind,
        label,
        {
            attr: Group(kind, f"{label}.{attr}", catalog.group(kind, group), catalog)
            for attr, group in groups.items()
        },
        catalog,
    )


def build(name: str, catalog: Any) -> Namespace:
    """One of the top-level registries (``Hardware``, ``Models``, ``Systems``, ``Infra``) over
    ``catalog``."""
    e = catalog.entries
    if name == "Hardware":
        tiers = {"Cloud": "cloud", "Workstation": "workstation", "Edge": "edge"}
        return _namespace("hardware", name, tiers | {"Mobile": "mobile", "Tiny": "tiny"}, catalog)
    if name == "Models":
        return _namespace("model", name, {"Language": "language", "Vision": "vision"}, catalog)
    if name == "Systems":
        groups = {
            "Clusters": Group("fleet", "Systems.Clusters", e["fleet"], catalog),
            "Nodes": Group("node", "Systems.Nodes", e["node"], catalog),
            "Fabrics": Group("fabric", "Systems.Fabrics", e["fabric"], catalog),
        }
        return SystemsNamespace("fleet", name, groups, catalog)
    if name == "Infra":
        groups = {
            "Grids": Group("grid", "Infra.Grids", e["grid"], catalog),
            "Datacenters": Group("datacenter", "Infra.Datacenters", e["datacenter"], catalog),
        }
        return Namespace("grid", name, groups, catalog)
    raise AttributeError(name)
