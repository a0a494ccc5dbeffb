"""Fleet and site arguments of the fleet-level sweeps (economics, sustainability, reliability).

Each distinct fleet name, and each distinct (datacenter, grid) pair, is resolved once with the
facades' own look-ups (``Catalog.spec``, ``resolve_site``); rows gather the values.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..api.site import resolve_site
from ..errors import MlsysimError
from ..infra.types import DatacenterSpec, GridSpec
from ..systems.types import FleetSpec
from .gather import gather
from .scenarios import Scenarios


def fleet_rows(s: Scenarios) -> tuple[np.ndarray, list[FleetSpec | None]]:
    return s.resolve("fleet", lambda v: s.catalog.spec("fleet", v, FleetSpec))


@dataclass(frozen=True, slots=True)
class FleetArrays:
    """Per-row counts and node figures of each row's fleet."""

    nodes: np.ndarray
    accelerators: np.ndarray
    node_power: np.ndarray
    node_price: np.ndarray
    nics: np.ndarray
    embodied: np.ndarray
    node_embodied: np.ndarray
    per_node: np.ndarray
    tdp: np.ndarray

    @classmethod
    def of(cls, fleets: list[FleetSpec | None], codes: np.ndarray) -> FleetArrays:
        return cls(
            nodes=gather(fleets, codes, lambda f: f.nodes),
            accelerators=gather(fleets, codes, lambda f: f.accelerators),
            node_power=gather(fleets, codes, lambda f: f.node.node_power),
            node_price=gather(fleets, codes, lambda f: f.node.price),
            nics=gather(fleets, codes, lambda f: f.node.nics_per_node),
            embodied=gather(fleets, codes, lambda f: f.accelerator.embodied_carbon),
            node_embodied=gather(fleets, codes, lambda f: f.node.embodied_carbon),
            per_node=gather(fleets, codes, lambda f: f.node.accelerators_per_node),
            tdp=gather(fleets, codes, lambda f: f.accelerator.tdp),
        )


def site_rows(s: Scenarios) -> tuple[np.ndarray, list[tuple[GridSpec, DatacenterSpec] | None]]:
    """Codes into the distinct (grid, facility) pairs the rows name; a pair ``resolve_site``
    rejects is the error of its rows."""
    dc_codes, datacenters = s.text("datacenter")
    grid_codes, grids = s.text("grid")
    codes, pairs = pd.factorize(dc_codes * len(grids) + grid_codes)
    sites: list[Any] = []
    messages: list[str] = []
    for pair in pairs.tolist():
        datacenter, grid = datacenters[pair // len(grids)], grids[pair % len(grids)]
        try:
            sites.append(resolve_site(s.catalog, datacenter, grid))
            messages.append("")
        except MlsysimError as exc:
            sites.append(None)
            messages.append(str(exc))
    bad = np.array([bool(m) for m in messages], dtype=bool)
    if bad.any():
        s.errors.add(bad[codes], (codes,), messages.__getitem__)
    return codes.astype(np.int64, copy=False), sites
