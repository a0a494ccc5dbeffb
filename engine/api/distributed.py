"""``DistributedModel().solve``: a 3D-parallel training step (Narayanan et al. 2021)."""

from __future__ import annotations

from typing import Any

from ..enums import Precision
from ..solvers.distributed import training_step
from ..systems.types import FleetSpec
from .resolve import Facade, precision_for, transformer
from .result import Result


class TrainingResult(Result):
    _UNITS = {  # noqa: RUF012
        "step_latency_total": "s",
        "compute_latency": "s",
        "tp_communication_latency": "s",
        "pp_communication_latency": "s",
        "dp_communication_latency": "s",
        "bubble_latency": "s",
        "optimizer_latency": "s",
        "memory_per_device": "B",
        "weights_memory": "B",
        "optimizer_memory": "B",
        "activation_memory": "B",
    }


class DistributedModel(Facade):
    """Data, tensor and pipeline parallelism with communication, bubbles, ZeRO and recomputation."""

    __slots__ = ()

    def solve(
        self,
        model: Any,
        fleet: Any,
        batch_size: int,
        precision: str | Precision | None = None,
        tp_size: int = 1,
        pp_size: int = 1,
        microbatch_count: int = 1,
        *,
        seq_len: int = 2048,
        zero_stage: int = 0,
        recompute: str = "full",
        interleave: int = 1,
    ) -> TrainingResult:
        """One step over a global batch of ``batch_size`` sequences of ``seq_len`` tokens;
        ``precision`` defaults to the accelerator's own (fp16 where it has it)."""
        catalog = self.catalog
        spec = transformer(catalog, model, "DistributedModel")
        fleet_spec = catalog.spec("fleet", fleet, FleetSpec)
        estimate = training_step(
            spec,
            fleet_spec,
            batch_size,
            precision_for(fleet_spec.accelerator, precision),
            catalog.assumptions,
            tp=tp_size,
            pp=pp_size,
            microbatches=microbatch_count,
            seq_len=seq_len,
            zero_stage=zero_stage,
            recompute=recompute,
            interleave=interleave,
        )
        return TrainingResult(estimate)
