"""Training functions: one optimizer step of parallel training on a fleet
(``mlsysim.solvers.distributed``, Narayanan et al. 2021), as ``DistributedModel().solve`` computes it
with its defaults (2048-token sequences unless ``seq`` says otherwise, selective recomputation,
Megatron-LM's distributed optimizer; one sequence per micro-batch unless ``microbatches`` per step
are given)."""

from __future__ import annotations

from typing import Any

from mlsysim.enums import Precision
from mlsysim.solvers.distributed import TrainingEstimate, training_step

from . import resolve
from .arguments import FLEET, MICROBATCHES, MODEL, PP, PRECISION, TP, TRAIN_BATCH, TRAIN_SEQ, UNIT, ZERO
from .function import feasibility_gated

ARGS = (MODEL, FLEET, TRAIN_BATCH, TP, PP, MICROBATCHES, PRECISION, ZERO, TRAIN_SEQ)


@resolve.cached(maxsize=16384)
def estimate(
    model: Any,
    fleet: Any,
    batch: float,
    tp: Any,
    pp: Any,
    micro: Any,
    precision: Any,
    zero: Any,
    seq: Any,
) -> TrainingEstimate:
    spec = resolve.spec("fleet", fleet)
    p = Precision.parse(precision) if precision else spec.accelerator.default_precision
    return training_step(
        resolve.transformer(model, "training"),
        spec,
        batch,
        p,
        resolve.catalog().assumptions,
        tp=1 if tp is None else tp,
        pp=1 if pp is None else pp,
        microbatches=micro,
        seq_len=2048 if seq is None else seq,
        **({} if zero is None else {"zero_stage": _stage(zero)}),
    )


def _stage(zero: float) -> int | float:
    """Excel passes 1.0 for 1; the solver checks the stage against 0-3 exactly."""
    return int(zero) if zero == int(zero) else zero


_define = feasibility_gated("Training", estimate, ARGS, UNIT)


FUNCTIONS = (
    _define(
        "MLSYS_STEP_TIME",
        lambda e: e.step_latency_total,
        "number",
        "ms",
        "Time of one optimizer step: micro-batches through the 1F1B pipeline, its bubble, "
        "tensor/pipeline/data-parallel communication and the optimizer update.",
        si_unit="s",
    ),
    _define(
        "MLSYS_SCALING_EFF",
        lambda e: e.scaling_efficiency,
        "number",
        "",
        "Scaling efficiency: compute time over step time (1 = no communication or bubble overhead).",
    ),
    _define(
        "MLSYS_BUBBLE",
        lambda e: e.bubble_fraction,
        "number",
        "",
        "Pipeline bubble fraction (pp - 1) / (microbatches + pp - 1).",
        gated=False,
    ),
    _define(
        "MLSYS_TRAIN_MFU",
        lambda e: e.mfu,
        "number",
        "",
        "Model FLOPs utilisation of the step (6·N FLOPs per token plus attention, over fleet peak).",
    ),
    _define(
        "MLSYS_TRAIN_TOKENS_PER_S",
        lambda e: e.tokens_per_s,
        "number",
        "1/s",
        "Training throughput of the fleet in tokens per second.",
        si_unit="1/s",
        label="tokens/s",
    ),
    _define(
        "MLSYS_TRAIN_MEMORY",
        lambda e: e.memory_per_device,
        "number",
        "GB",
        "Memory per device: weights, gradients, optimizer states and activations.",
        gated=False,
        si_unit="B",
    ),
    _define(
        "MLSYS_TRAIN_FITS",
        lambda e: e.feasible,
        "boolean",
        "",
        "TRUE when the training state and activations fit in each device's usable memory.",
        gated=False,
    ),
)
