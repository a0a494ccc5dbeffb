"""Accelerator types: ``HardwareSpec`` (SI floats for solvers) and ``HardwareNode`` (Quantities)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

from ..entry import CatalogEntry, Measured
from ..enums import Precision
from ..errors import InvalidInputError
from ..solvers.checks import positive
from ..units import Q_

_DEFAULT_ORDER = (Precision.FP16, Precision.BF16, Precision.INT8, Precision.FP32)
# How a scale-up link joins devices; "switch_reduce" reduces inside the switch (NVLink SHARP/NVLS).
SCALE_UP_TOPOLOGIES = ("switch", "switch_reduce", "mesh", "torus", "ring")


@dataclass(frozen=True, slots=True)
class HardwareSpec:
    """One accelerator in SI units: FLOP/s, B, B/s, W, USD, kg CO2e."""

    name: str
    peak_flops: Mapping[Precision, float]
    memory_capacity: float
    memory_bandwidth: float
    tdp: float
    scale_up_bandwidth: float | None = None
    price: float | None = None
    embodied_carbon: float | None = None
    # How the scale-up link joins devices: "switch", "switch_reduce" (in-switch reduction, e.g.
    # NVLink SHARP), "mesh", "torus" or "ring"; "" for a device without one (PCIe card, edge part).
    scale_up_topology: str = ""
    # Accelerators reachable over the scale-up link (8 for HGX H100, 72 for GB200 NVL72).
    scale_up_domain: int | None = None

    def __post_init__(self) -> None:
        """The same rules for every way a spec is made (catalog TOML, workbook row, Python)."""
        if not self.peak_flops:
            raise InvalidInputError("peak_flops", {}, "at least one precision's peak rate is required")
        for precision, rate in self.peak_flops.items():
            positive(f"peak_flops.{Precision(precision).value}", rate)
        for name in ("memory_capacity", "memory_bandwidth", "tdp"):
            positive(name, getattr(self, name))
        for name in ("scale_up_bandwidth", "price", "embodied_carbon"):
            if getattr(self, name) is not None:
                positive(name, getattr(self, name))
        if self.scale_up_topology not in ("", *SCALE_UP_TOPOLOGIES):
            valid = f"one of {', '.join(SCALE_UP_TOPOLOGIES)}, or empty for no scale-up link"
            raise InvalidInputError("scale_up_topology", self.scale_up_topology, valid)
        if self.scale_up_domain is not None and not self.scale_up_domain >= 1:
            raise InvalidInputError("scale_up_domain", self.scale_up_domain, "a count of accelerators, >= 1")

    @property
    def default_precision(self) -> Precision:
        for precision in _DEFAULT_ORDER:
            if precision in self.peak_flops:
                return precision
        return next(iter(self.peak_flops))

    def flops(self, precision: Precision) -> float:
        """Dense peak FLOP/s at ``precision``; a precision the device lacks is an input error."""
        try:
            return self.peak_flops[precision]
        except KeyError:
            have = ", ".join(p.value for p in self.peak_flops)
            raise InvalidInputError("precision", precision.value, f"{self.name} supports {have}") from None


@dataclass(frozen=True, slots=True)
class ComputeView:
    """``hw.compute``: peak rates as Quantities."""

    spec: HardwareSpec

    @property
    def peak_flops(self):
        """Dense peak at the device's default precision (fp16 where it has it)."""
        return Q_(self.spec.flops(self.spec.default_precision), "FLOP/s")

    @property
    def precisions(self) -> tuple[Precision, ...]:
        return tuple(self.spec.peak_flops)

    def peak(self, precision: str | Precision):
        return Q_(self.spec.flops(Precision.parse(precision)), "FLOP/s")


@dataclass(frozen=True, slots=True)
class MemoryView:
    """``hw.memory``: capacity and bandwidth as Quantities."""

    spec: HardwareSpec

    @property
    def capacity(self):
        return Q_(self.spec.memory_capacity, "B")

    @property
    def bandwidth(self):
        return Q_(self.spec.memory_bandwidth, "B/s")


@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class HardwareNode(CatalogEntry):
    """A catalog accelerator, e.g. ``mlsysim.Hardware.Cloud.H100``."""

    spec: HardwareSpec
    vendor: str = ""
    released: str = ""

    _PATHS: ClassVar[dict[str, str]] = {
        "memory.bandwidth": "memory_bandwidth",
        "memory.capacity": "memory_capacity",
    }

    def source_of(self, field: str) -> Measured:
        """As ``CatalogEntry.source_of``; ``compute.peak_flops`` is the default precision's peak."""
        if field == "compute.peak_flops":
            field = f"peak_flops.{self.spec.default_precision.value}"
        return CatalogEntry.source_of(self, field)

    @property
    def compute(self) -> ComputeView:
        return ComputeView(self.spec)

    @property
    def memory(self) -> MemoryView:
        return MemoryView(self.spec)

    @property
    def tdp(self):
        return Q_(self.spec.tdp, "W")

    @property
    def price(self):
        return None if self.spec.price is None else Q_(self.spec.price, "USD")
