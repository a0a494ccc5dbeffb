"""Single-device roofline (Williams et al. 2009): a pass takes
``max(FLOPs / (peak·η_c), bytes / (BW·η_m)) + kernels·t_kernel`` and is compute-bound when the
compute term is the larger one, i.e. when its arithmetic intensity exceeds the ridge point. A CNN
layer is one kernel (inference engines fold batch norm into the convolution and fuse the
activation); a transformer layer launches ``TransformerSpec.kernels_per_layer`` kernels. A CNN
training step has its own efficiency (``cnn_training_compute_efficiency``) and the activation
traffic of unfused batch norm and activations (``cnn_pass``)."""

from __future__ import annotations

from typing import Any, NamedTuple

from ..assumptions import Assumptions
from ..enums import Bottleneck, Precision
from ..hardware.types import HardwareSpec
from ..models.types import CNNSpec, TransformerSpec
from . import transformer as tf
from .checks import size_text, whole
from .ops import SCALAR, Ops

# Training a layer costs its forward pass plus a backward pass of twice the FLOPs (Kaplan et al.
# 2020, §2.1: C ≈ 6N per token = 3 × the forward 2N).
TRAINING_FLOP_MULTIPLIER = 3.0


class RooflineEstimate(NamedTuple):
    """One pass of ``batch`` samples on one device; times in s, sizes in B, energy in J."""

    latency: float
    compute_latency: float
    memory_latency: float
    overhead_latency: float
    throughput: float
    bottleneck: Bottleneck
    mfu: float
    arithmetic_intensity: float
    flops: float
    memory_traffic: float
    energy: float
    memory_footprint: float
    feasible: bool
    constraint: str


def roofline(
    model: TransformerSpec | CNNSpec,
    hardware: HardwareSpec,
    batch: int,
    precision: Precision,
    assumptions: Assumptions,
    *,
    seq_len: int | None = None,
    training: bool = False,
) -> RooflineEstimate:
    """Latency, bottleneck and utilisation of one inference (or training) pass."""
    a = assumptions
    batch = whole("batch_size", batch)
    peak = hardware.flops(precision)
    bpe = precision.bytes_per_element
    if isinstance(model, CNNSpec):
        flops, traffic, footprint = cnn_pass(model, batch, bpe, training, SCALAR)
        efficiency = a.cnn_training_compute_efficiency if training else a.cnn_compute_efficiency
        kernels = model.layers
    else:
        tokens = whole("seq_len", seq_len if seq_len is not None else default_seq_len(model))
        act_bpe = tf.activation_bytes(bpe)
        flops, traffic, footprint = transformer_pass(model, batch, tokens, bpe, act_bpe, training, SCALAR)
        efficiency = a.training_compute_efficiency if training else a.prefill_compute_efficiency
        kernels = model.layers * model.kernels_per_layer
    estimate = roofline_core(
        flops=flops,
        traffic=traffic,
        footprint=footprint,
        efficiency=efficiency,
        kernels=kernels,
        parameters=model.parameters,
        training=training,
        batch=batch,
        bpe=bpe,
        peak=peak,
        memory_bandwidth=hardware.memory_bandwidth,
        capacity=hardware.memory_capacity,
        tdp=hardware.tdp,
        assumptions=a,
        ops=SCALAR,
    )
    if estimate.feasible:
        return estimate
    usable = hardware.memory_capacity * (1.0 - a.memory_reserved_fraction)
    return estimate._replace(
        constraint=(
            f"needs {size_text(estimate.memory_footprint)} of memory; {size_text(usable)} usable "
            f"of {size_text(hardware.memory_capacity)} on {hardware.name}"
        )
    )


def roofline_core(
    *,
    flops: Any,
    traffic: Any,
    footprint: Any,
    efficiency: Any,
    kernels: Any,
    parameters: Any,
    training: Any,
    batch: Any,
    bpe: Any,
    peak: Any,
    memory_bandwidth: Any,
    capacity: Any,
    tdp: Any,
    assumptions: Assumptions,
    ops: Ops,
    bottlenecks: tuple[Any, Any] = (Bottleneck.COMPUTE, Bottleneck.MEMORY),
) -> RooflineEstimate:
    """The roofline on plain numbers (scalars, or numpy arrays with numpy ``ops``) from a pass's
    FLOPs, bytes moved and bytes held; ``bottlenecks`` are the values reported for compute- and
    memory-bound. ``constraint`` is left empty."""
    a = assumptions
    footprint = ops.where(
        training, footprint + parameters * (bpe + a.optimizer_state_bytes_per_parameter), footprint
    )
    compute = flops / (peak * efficiency)
    memory = traffic / (memory_bandwidth * a.decode_bandwidth_efficiency)
    overhead = kernels * a.kernel_overhead * ops.where(training, TRAINING_FLOP_MULTIPLIER, 1.0)
    latency = ops.maximum(compute, memory) + overhead
    return RooflineEstimate(
        latency=latency,
        compute_latency=compute,
        memory_latency=memory,
        overhead_latency=overhead,
        throughput=batch / latency,
        bottleneck=ops.where(compute >= memory, *bottlenecks),
        mfu=flops / latency / peak,
        arithmetic_intensity=flops / traffic,
        flops=flops,
        memory_traffic=traffic,
        energy=tdp * a.average_power_fraction * latency,
        memory_footprint=footprint,
        feasible=footprint <= capacity * (1.0 - a.memory_reserved_fraction),
        constraint="",
    )


def default_seq_len(model: Any, ops: Ops = SCALAR) -> Any:
    """Tokens per sample when none is given: 2048 (GPT-3's context), or less for short models."""
    return ops.minimum(2048, model.max_context)


# A training step of a CNN runs batch norm and the activation as their own kernels (they cannot be
# folded into the convolution when the statistics come from the batch: Ioffe & Szegedy 2015, Alg. 1)
# and saves what the backward pass needs. Per element of a layer's output (each op reads its inputs
# and writes its outputs once): forward, the convolution writes it (1), batch norm reads it for the
# statistics and again to normalise and writes the result (3), the activation reads and writes
# (2), the next layer reads it (1): 7; backward, the incoming gradient is written (1), the
# activation's backward reads it and its output and writes (3), batch norm's backward reads the
# gradient and its saved input for the reductions and again for the result and writes (5), and the
# convolution reads the gradient for the weight gradient, with its input, and for the data gradient
# (3): 12. Inference with folded batch norm writes and reads each element once (2).
CNN_TRAINING_ACCESSES = 19.0
CNN_INFERENCE_ACCESSES = 2.0
CNN_SAVED_TENSORS = 2.0  # batch norm's input and the activation's output, per element


def cnn_pass(model: Any, batch: Any, bpe: Any, training: Any, ops: Ops) -> tuple[Any, Any, Any]:
    """FLOPs, bytes moved and bytes held for ``batch`` images. Training also reads the weights for
    the backward pass and writes their gradients, moves every activation element
    ``CNN_TRAINING_ACCESSES`` times and keeps ``CNN_SAVED_TENSORS`` per element for the backward
    pass."""
    weights = model.parameters * bpe
    activations = model.activations_per_inference * bpe * batch
    flops = model.flops_per_inference * batch
    flops = ops.where(training, flops * TRAINING_FLOP_MULTIPLIER, flops)
    accesses = ops.where(training, CNN_TRAINING_ACCESSES, CNN_INFERENCE_ACCESSES)
    traffic = ops.where(training, 3.0 * weights, weights) + accesses * activations
    footprint = weights + ops.where(training, CNN_SAVED_TENSORS, 1.0) * activations
    return flops, traffic, footprint


def transformer_pass(
    model: Any, batch: Any, tokens: Any, bpe: Any, act_bpe: Any, training: Any, ops: Ops
) -> tuple[Any, Any, Any]:
    """FLOPs, bytes moved and bytes held for ``batch`` sequences of ``tokens`` tokens."""
    all_tokens = batch * tokens
    flops = tf.prefill_flops(model, tokens, batch)
    weights = tf.weight_elements_touched(model, all_tokens) * bpe
    kv = tf.kv_cache_bytes(model, tokens, batch, bpe)
    activations = tf.activation_traffic(model, all_tokens, act_bpe)
    footprint = model.parameters * bpe + kv
    stored = model.activation_elements_per_token * all_tokens * act_bpe
    flops = ops.where(training, flops * TRAINING_FLOP_MULTIPLIER, flops)
    traffic = ops.where(training, 3.0 * weights + 3.0 * activations, weights + activations + kv)
    footprint = ops.where(training, footprint + stored, footprint)
    return flops, traffic, footprint
