"""Nodes, scale-out fabrics and fleets, in SI units (W, USD, B/s, s)."""

from __future__ import annotations

from dataclasses import dataclass

from ..entry import CatalogEntry
from ..hardware.types import HardwareNode, HardwareSpec
from ..solvers.checks import positive, whole
from ..units import Q_


@dataclass(frozen=True, slots=True)
class NodeSpec:
    """A server: its accelerators, wall power at full load, price, failure-relevant parts and
    manufacturing footprint (``embodied_carbon``, kg CO2e for the whole server, accelerators and host
    included; None when the catalog has none).

    ``storage_bandwidth`` (B/s) is what the node can write to shared storage, which bounds a
    checkpoint's write time; ``accelerator_memory_mtbf`` (s) the mean time between uncorrectable
    memory failures of one of its accelerators, where the node's generation has its own measured
    rate. Either may be None: a training run then uses the catalog's assumptions
    (``storage_bandwidth_per_node``, ``hbm_mtbf_per_gb``).
    """

    name: str
    accelerator: HardwareSpec
    accelerators_per_node: int
    node_power: float
    price: float | None
    nics_per_node: int = 0
    psus_per_node: int = 0
    storage_bandwidth: float | None = None
    accelerator_memory_mtbf: float | None = None
    embodied_carbon: float | None = None

    def __post_init__(self) -> None:
        whole("accelerators_per_node", self.accelerators_per_node)
        positive("node_power", self.node_power)
        if self.price is not None:
            positive("price", self.price)
        if self.embodied_carbon is not None:
            positive("embodied_carbon", self.embodied_carbon)
        whole("nics_per_node", self.nics_per_node, 0)
        whole("psus_per_node", self.psus_per_node, 0)
        for name in ("storage_bandwidth", "accelerator_memory_mtbf"):
            if getattr(self, name) is not None:
                positive(name, getattr(self, name))


@dataclass(frozen=True, slots=True)
class FabricSpec:
    """A scale-out network: bandwidth per accelerator (B/s, one direction) and latency (s)."""

    name: str
    bandwidth_per_accelerator: float
    latency: float
    kind: str = "infiniband"

    def __post_init__(self) -> None:
        positive("bandwidth_per_accelerator", self.bandwidth_per_accelerator)
        positive("latency", self.latency)


@dataclass(frozen=True, slots=True)
class FleetSpec:
    """``nodes`` identical nodes on one fabric."""

    name: str
    node: NodeSpec
    nodes: int
    fabric: FabricSpec

    def __post_init__(self) -> None:
        whole("nodes", self.nodes)

    @property
    def accelerators(self) -> int:
        return self.nodes * self.node.accelerators_per_node

    @property
    def accelerator(self) -> HardwareSpec:
        return self.node.accelerator


@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class Node(CatalogEntry):
    """A catalog server; it holds its accelerator's entry (``node.accelerator``)."""

    spec: NodeSpec
    accelerator: HardwareNode

    @property
    def accelerator_id(self) -> str:
        return self.accelerator.id

    @property
    def power(self):
        return Q_(self.spec.node_power, "W")


@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class Fabric(CatalogEntry):
    spec: FabricSpec


@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class Fleet(CatalogEntry):
    """A cluster, e.g. ``mlsysim.Systems.Clusters.H100_64``: it holds its node and fabric entries,
    and through the node its accelerator, so it needs no catalog to be used."""

    spec: FleetSpec
    node: Node
    fabric: Fabric

    @property
    def node_id(self) -> str:
        return self.node.id

    @property
    def fabric_id(self) -> str:
        return self.fabric.id

    @property
    def total_accelerators(self) -> int:
        return self.spec.accelerators

    @property
    def accelerator(self) -> HardwareNode:
        return self.node.accelerator
