"""A parallel training step on a fleet: data, tensor, pipeline, context and expert parallelism.

The inputs are a framework's (Megatron-LM/NeMo): the global batch in sequences, the micro-batch
size, TP/PP/CP/EP degrees, virtual pipeline stages, recomputation (selective by default) and the
ZeRO stage (1, Megatron-LM's distributed optimizer, by default); ``parallel_layout`` checks them.
The equations are ``training_step.training_step_core`` (compute, bubble, communication, memory)
and its modules ``parallel_comm`` and ``parallel_memory``; this module resolves the fleet and the
precision into their numbers and words the binding constraint of a layout that does not fit.
"""

from __future__ import annotations

from ..assumptions import Assumptions
from ..enums import Precision
from ..models.types import TransformerSpec
from ..systems.types import FleetSpec
from . import transformer as tf
from .checks import size_text
from .collectives import topology_code
from .memo import by_identity
from .ops import SCALAR
from .parallel_comm import links_of
from .parallel_layout import (
    DEFAULT_RECOMPUTE,
    DEFAULT_ZERO_STAGE,
    RECOMPUTE_MODES,
    Layout,
    check_layout,
)
from .training_step import DeviceFigures, StepEstimate, training_step_core

TrainingEstimate = StepEstimate  # one step of one layout: the core's fields, scalars


@by_identity
def device_figures(fleet: FleetSpec, precision: Precision, a: Assumptions) -> DeviceFigures:
    """The fleet's numbers for a step at ``precision``: linear layers at its peak (FP8 at the FP8
    efficiency), fused attention at 16 bits when the precision is narrower, at its own efficiency."""
    hw, fabric = fleet.accelerator, fleet.fabric
    gemm_peak = hw.flops(precision)
    narrow = precision.bytes_per_element < 2
    attention_peak = gemm_peak
    if narrow:
        peaks = hw.peak_flops
        attention_peak = peaks.get(Precision.BF16) or peaks.get(Precision.FP16) or gemm_peak
    return DeviceFigures(
        accelerators=fleet.accelerators,
        links=links_of(
            fleet.node.accelerators_per_node,
            hw.scale_up_bandwidth or 0.0,
            topology_code(hw.scale_up_topology),
            fabric.bandwidth_per_accelerator,
            fabric.latency,
            a,
        ),
        gemm_peak=gemm_peak,
        gemm_efficiency=a.fp8_training_compute_efficiency if narrow else a.training_compute_efficiency,
        attention_rate=attention_peak * a.training_attention_efficiency,
        memory_rate=hw.memory_bandwidth * a.decode_bandwidth_efficiency,
        usable_memory=hw.memory_capacity * (1.0 - a.memory_reserved_fraction),
    )


def training_step(
    model: TransformerSpec,
    fleet: FleetSpec,
    batch: int,
    precision: Precision,
    assumptions: Assumptions,
    *,
    tp: int = 1,
    pp: int = 1,
    cp: int = 1,
    ep: int = 1,
    microbatch_size: int | None = None,
    microbatches: int | None = None,
    seq_len: int = 2048,
    zero_stage: int = DEFAULT_ZERO_STAGE,
    recompute: str = DEFAULT_RECOMPUTE,
    interleave: int = 1,
    overlap_grad_reduce: bool = False,
) -> TrainingEstimate:
    """Step time, its parts, memory per device by part and feasibility of one layout. The
    micro-batch is given by its size or by the number of micro-batches per step (not both; neither:
    size 1)."""
    layout = check_layout(
        accelerators=fleet.accelerators,
        layers=model.layers,
        heads=model.heads,
        experts=model.experts,
        batch=batch,
        seq_len=seq_len,
        tp=tp,
        pp=pp,
        cp=cp,
        ep=ep,
        microbatch_size=microbatch_size,
        microbatch_count=microbatches,
        interleave=interleave,
        recompute=recompute,
        zero_stage=zero_stage,
        overlap_grad_reduce=overlap_grad_reduce,
    )
    return layout_step(model, fleet, int(batch), int(seq_len), precision, layout, assumptions)


def layout_step(
    model: TransformerSpec,
    fleet: FleetSpec,
    batch: int,
    seq_len: int,
    precision: Precision,
    layout: Layout,
    a: Assumptions,
) -> TrainingEstimate:
    """The step of a checked ``layout``, with the binding constraint in words when it does not fit."""
    wide = tf.activation_bytes(precision.bytes_per_element)
    step = training_step_core(
        model,
        device_figures(fleet, precision, a),
        batch=batch,
        seq_len=seq_len,
        tp=layout.tp,
        pp=layout.pp,
        dp=layout.dp,
        cp=layout.cp,
        ep=layout.ep,
        microbatch_size=layout.microbatch_size,
        microbatches=layout.microbatches,
        interleave=layout.interleave,
        recompute=RECOMPUTE_MODES.index(layout.recompute),
        zero_stage=layout.zero_stage,
        overlap_grad_reduce=layout.overlap_grad_reduce,
        weight_bytes=wide,
        act_bytes=wide,
        assumptions=a,
        ops=SCALAR,
        label=layout.text,
    )
    if step.feasible:
        return step
    return step._replace(constraint=memory_constraint(step, fleet.accelerator.name))


def memory_constraint(step: StepEstimate, device: str) -> str:
    """``needs 91.3 GB per device (weights 4.4 GB, ...); 72.0 GB usable on NVIDIA H100 ...`` and
    what would lower it."""
    parts = (
        f"weights {size_text(step.weights_memory)}, gradients {size_text(step.gradient_memory)}, "
        f"optimizer {size_text(step.optimizer_memory)}, activations {size_text(step.activation_memory)}"
    )
    return (
        f"needs {size_text(step.memory_per_device)} per device ({parts}); "
        f"{size_text(step.usable_memory)} usable on {device} — raise tp/pp/cp, the ZeRO stage or "
        "recomputation, or lower the micro-batch size"
    )
