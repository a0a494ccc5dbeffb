"""Where a fleet runs: an electricity grid and a facility profile.

``datacenter=`` may be a grid (as in the spec: ``datacenter=Infra.Grids.Quebec``) or a facility
profile; ``grid=`` names the grid explicitly. Unnamed parts default to the US-average grid and a
hyperscale facility, and the result reports which were used.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from ..catalog_loader import Catalog
from ..entry import CatalogEntry
from ..errors import InvalidInputError
from ..infra.types import DatacenterSpec, GridSpec
from ..names import normalize

DEFAULT_GRID = "US_Average"
DEFAULT_DATACENTER = "hyperscale"


def _as_spec(value: Any, catalog: Catalog) -> GridSpec | DatacenterSpec:
    if isinstance(value, CatalogEntry):
        value = value.spec
    if isinstance(value, str):
        key = normalize(value)
        if catalog.has("datacenter", key):
            return catalog.get("datacenter", value).spec
        return catalog.get("grid", value).spec
    if not isinstance(value, GridSpec | DatacenterSpec):
        raise InvalidInputError("datacenter", value, "expected a grid or a datacenter profile")
    return value


def resolve_site(
    catalog: Catalog, datacenter: Any = None, grid: Any = None
) -> tuple[GridSpec, DatacenterSpec]:
    """(grid, facility) from the ``datacenter=`` and ``grid=`` arguments; names in ``catalog``."""
    grid_spec: GridSpec | None = None
    facility: DatacenterSpec | None = None
    for argument, value in (("datacenter", datacenter), ("grid", grid)):
        if value is None:
            continue
        spec = _as_spec(value, catalog)
        if isinstance(spec, GridSpec):
            if grid_spec is not None and grid_spec is not spec:
                raise InvalidInputError(argument, value, "a grid was already given")
            grid_spec = spec
        else:
            if argument == "grid":
                raise InvalidInputError("grid", value, "expected a grid, got a facility profile")
            facility = spec
    default_grid, default_facility = _defaults(catalog)
    return grid_spec or default_grid, facility or default_facility


@lru_cache(maxsize=16)
def _defaults(catalog: Catalog) -> tuple[GridSpec, DatacenterSpec]:
    return catalog.get("grid", DEFAULT_GRID).spec, catalog.get("datacenter", DEFAULT_DATACENTER).spec
