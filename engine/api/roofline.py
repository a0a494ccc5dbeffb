"""``Engine.solve``: the roofline of one pass on one device (Williams et al. 2009)."""

from __future__ import annotations

from typing import Any

from ..catalog_loader import Catalog, as_catalog
from ..enums import Precision
from ..hardware.types import HardwareSpec
from ..models.types import CNNSpec, TransformerSpec
from ..solvers.roofline import roofline
from .resolve import precision_for
from .result import Result


class PerformanceProfile(Result):
    """Latency (and its compute, memory and overhead parts), throughput in samples/s, bottleneck,
    MFU, arithmetic intensity, energy, memory footprint and feasibility."""

    _UNITS = {  # noqa: RUF012
        "latency": "s",
        "compute_latency": "s",
        "memory_latency": "s",
        "overhead_latency": "s",
        "arithmetic_intensity": "FLOP/B",
        "flops": "FLOP",
        "memory_traffic": "B",
        "energy": "J",
        "memory_footprint": "B",
    }


class Engine:
    """Single-node roofline analysis."""

    @staticmethod
    def solve(
        model: Any,
        hardware: Any,
        batch_size: int = 1,
        precision: str | Precision | None = None,
        *,
        seq_len: int | None = None,
        training: bool = False,
        catalog: Catalog | str | None = None,
    ) -> PerformanceProfile:
        """Profile ``batch_size`` samples (``seq_len`` tokens each for a transformer).

        ``precision`` defaults to the device's own (fp16 where it has it); names are looked up in
        ``catalog`` (default: ``mlsysim.load_catalog()``), which also supplies the assumptions."""
        chosen = as_catalog(catalog)
        spec = chosen.spec("model", model, (TransformerSpec, CNNSpec))
        device = chosen.spec("hardware", hardware, HardwareSpec)
        estimate = roofline(
            spec,
            device,
            batch_size,
            precision_for(device, precision),
            chosen.assumptions,
            seq_len=seq_len,
            training=training,
        )
        return PerformanceProfile(estimate)


SingleNodeModel = Engine
