"""What every catalog entry shares: identity, look-up names and the provenance of each value."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from .errors import UnknownEntryError


@dataclass(frozen=True, slots=True)
class Source:
    """A document that values are read from, defined once in ``catalog/sources``."""

    id: str
    title: str
    publisher: str
    url: str
    accessed: str


@dataclass(frozen=True, slots=True)
class Measured:
    """One catalog value: as written (value, unit), in the engine's SI unit, and where it came from."""

    value: float
    unit: str
    si_value: float
    source: Source
    estimate: str = ""
    note: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class CatalogEntry:
    """Base of the user-facing entries; ``spec`` holds the SI floats that solvers read."""

    id: str
    name: str
    group: str
    aliases: tuple[str, ...]
    provenance: Mapping[str, Measured]
    spec: Any
    # "packaged", or the user catalog folder the entry came from (``mlsysim.load_catalog(folder)``).
    origin: str = "packaged"

    # Public dotted paths (as users write them) that name a differently spelled catalog field.
    _PATHS: ClassVar[dict[str, str]] = {}

    def source_of(self, field: str) -> Measured:
        """Where the value of ``field`` came from: ``H100.source_of("memory.bandwidth")``."""
        key = self._PATHS.get(field, field.replace(".", "_"))
        found = self.provenance.get(key) or self.provenance.get(field)
        if found is None:
            raise UnknownEntryError(f"field of {self.id}", field, tuple(sorted(self.provenance)))
        return found

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.id}: {self.name}>"
