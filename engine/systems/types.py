"""Nodes, scale-out fabrics and fleets, in SI units (W, USD, B/s, s)."""

from __future__ import annotations

from dataclasses import dataclass

from ..entry import CatalogEntry
from ..hardware.types import HardwareSpec
from ..units import Q_


@dataclass(frozen=True, slots=True)
class NodeSpec:
    """A server: its accelerators, wall power at full load, price and failure-relevant parts."""

    name: str
    accelerator: HardwareSpec
    accelerators_per_node: int
    node_power: float
    price: float | None
    nics_per_node: int = 0
    psus_per_node: int = 0


@dataclass(frozen=True, slots=True)
class FabricSpec:
    """A scale-out network: bandwidth per accelerator (B/s, one direction) and latency (s)."""

    name: str
    bandwidth_per_accelerator: float
    latency: float
    kind: str = "infiniband"


@dataclass(frozen=True, slots=True)
class FleetSpec:
    """``nodes`` identical nodes on one fabric."""

    name: str
    node: NodeSpec
    nodes: int
    fabric: FabricSpec

    @property
    def accelerators(self) -> int:
        return self.nodes * self.node.accelerators_per_node

    @property
    def accelerator(self) -> HardwareSpec:
        return self.node.accelerator


@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class Node(CatalogEntry):
    spec: NodeSpec
    accelerator_id: str = ""

    @property
    def power(self):
        return Q_(self.spec.node_power, "W")


@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class Fabric(CatalogEntry):
    spec: FabricSpec


@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class Fleet(CatalogEntry):
    """A catalog cluster, e.g. ``mlsysim.Systems.Clusters.H100_64``."""

    spec: FleetSpec
    node_id: str = ""
    fabric_id: str = ""

    @property
    def total_accelerators(self) -> int:
        return self.spec.accelerators

    @property
    def accelerator(self):
        from .. import catalog_loader

        return catalog_loader.load_catalog().hardware_by_spec(self.spec.accelerator)
