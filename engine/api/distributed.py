"""``DistributedModel().solve``: one step of a parallel training layout (Narayanan et al. 2021),
in a framework's terms (``mlsysim.solvers.distributed``)."""

from __future__ import annotations

from typing import Any

from ..enums import Precision
from ..solvers.distributed import training_step
from ..solvers.parallel_layout import DEFAULT_RECOMPUTE, DEFAULT_ZERO_STAGE
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
        "cp_communication_latency": "s",
        "ep_communication_latency": "s",
        "bubble_latency": "s",
        "optimizer_latency": "s",
        "flops_per_gpu": "FLOP/s",
        "memory_per_device": "B",
        "weights_memory": "B",
        "gradient_memory": "B",
        "optimizer_memory": "B",
        "activation_memory": "B",
        "usable_memory": "B",
    }


class DistributedModel(Facade):
    """Data, tensor, pipeline, context and expert parallelism with communication, bubbles, ZeRO and
    recomputation."""

    __slots__ = ()

    def solve(
        self,
        model: Any,
        fleet: Any,
        batch_size: int,
        precision: str | Precision | None = None,
        tp_size: int = 1,
        pp_size: int = 1,
        microbatch_count: int | None = None,
        *,
        microbatch_size: int | None = None,
        cp_size: int = 1,
        ep_size: int = 1,
        seq_len: int = 2048,
        zero_stage: int = DEFAULT_ZERO_STAGE,
        recompute: str = DEFAULT_RECOMPUTE,
        interleave: int = 1,
        overlap_grad_reduce: bool = False,
    ) -> TrainingResult:
        """One step over a global batch of ``batch_size`` sequences of ``seq_len`` tokens, in
        micro-batches of ``microbatch_size`` sequences (or ``microbatch_count`` per step; neither:
        size 1). ``precision`` defaults to the accelerator's own (fp16 where it has it);
        ``zero_stage`` 1 is Megatron-LM's distributed optimizer; ``interleave`` its virtual
        pipeline stages per device; ``overlap_grad_reduce`` its overlapped data-parallel
        communication."""
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
            cp=cp_size,
            ep=ep_size,
            microbatch_size=microbatch_size,
            microbatches=microbatch_count,
            seq_len=seq_len,
            zero_stage=zero_stage,
            recompute=recompute,
            interleave=interleave,
            overlap_grad_reduce=overlap_grad_reduce,
        )
        return TrainingResult(estimate)
