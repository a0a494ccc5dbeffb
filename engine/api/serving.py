"""``ServingModel().solve``: TTFT, ITL, KV cache and feasibility of LLM serving (Pope et al. 2022)."""

from __future__ import annotations

from typing import Any

from ..enums import Precision
from ..hardware.types import HardwareSpec
from ..solvers.serving import serving
from .resolve import Facade, precision_for, transformer
from .result import Result


class ServingResult(Result):
    _UNITS = {  # noqa: RUF012
        "ttft": "s",
        "itl": "s",
        "e2e_latency": "s",
        "kv_cache_size": "B",
        "kv_cache_peak": "B",
        "weights_size": "B",
        "memory_per_device": "B",
        "total_memory": "B",
        "prefill_compute_latency": "s",
        "prefill_memory_latency": "s",
        "decode_compute_latency": "s",
        "decode_memory_latency": "s",
        "tp_communication_latency": "s",
    }


class ServingModel(Facade):
    """Two-phase LLM inference: compute-bound prefill, memory-bound decode."""

    __slots__ = ()

    def solve(
        self,
        model: Any,
        hardware: Any,
        seq_len: int,
        batch_size: int = 1,
        precision: str | Precision | None = None,
        *,
        output_len: int = 128,
        tp_size: int = 1,
        kv_precision: str | Precision | None = None,
    ) -> ServingResult:
        """Serve ``batch_size`` prompts of ``seq_len`` tokens generating ``output_len`` tokens each,
        with the model split over ``tp_size`` devices (tensor parallel). ``precision`` defaults to
        the device's own (fp16 where it has it)."""
        catalog = self.catalog
        spec = transformer(catalog, model, "ServingModel")
        device = catalog.spec("hardware", hardware, HardwareSpec)
        estimate = serving(
            spec,
            device,
            seq_len,
            batch_size,
            precision_for(device, precision),
            catalog.assumptions,
            output_len=output_len,
            tp=tp_size,
            kv_precision=None if kv_precision is None else Precision.parse(kv_precision, "kv_precision"),
        )
        return ServingResult(estimate)
