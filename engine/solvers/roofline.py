"""Single-device roofline (Williams et al. 2009): a pass takes
``max(FLOPs / (peak·η_c), bytes / (BW·η_m)) + kernels·t_kernel`` and is compute-bound when the
compute term is the larger one, i.e. when its arithmetic intensity exceeds the ridge point. A CNN
layer is one kernel (inference engines fold batch norm into the convolution and fuse the
activation); a transformer layer launches ``transformer.kernels_per_layer`` kernels."""

from __future__ import annotations

from typing import NamedTuple

from ..assumptions import Assumptions
from ..enums import Bottleneck, Precision
from ..hardware.types import HardwareSpec
from ..models.types import CNNSpec, TransformerSpec
from . import transformer as tf
from .checks import whole

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
    batch = whole("batch_size", batch)
    peak = hardware.flops(precision)
    bpe = precision.bytes_per_element
    if isinstance(model, CNNSpec):
        flops, traffic, footprint = _cnn_pass(model, batch, bpe, training)
        efficiency = assumptions.cnn_compute_efficiency
    else:
        tokens = whole("seq_len", seq_len if seq_len is not None else _default_seq(model))
        flops, traffic, footprint = _transformer_pass(model, batch, tokens, bpe, training)
        efficiency = (
            assumptions.training_compute_efficiency if training else assumptions.prefill_compute_efficiency
        )
    if training:
        footprint += model.parameters * (bpe + assumptions.optimizer_state_bytes_per_parameter)
    compute = flops / (peak * efficiency)
    memory = traffic / (hardware.memory_bandwidth * assumptions.decode_bandwidth_efficiency)
    kernels = model.layers if isinstance(model, CNNSpec) else model.layers * tf.kernels_per_layer(model)
    overhead = kernels * assumptions.layer_overhead * (TRAINING_FLOP_MULTIPLIER if training else 1)
    latency = max(compute, memory) + overhead
    usable = hardware.memory_capacity * (1.0 - assumptions.memory_reserved_fraction)
    feasible = footprint <= usable
    constraint = (
        ""
        if feasible
        else (
            f"needs {footprint / 1e9:.1f} GB of memory; {usable / 1e9:.1f} GB usable of "
            f"{hardware.memory_capacity / 1e9:.1f} GB on {hardware.name}"
        )
    )
    return RooflineEstimate(
        latency=latency,
        compute_latency=compute,
        memory_latency=memory,
        overhead_latency=overhead,
        throughput=batch / latency,
        bottleneck=Bottleneck.COMPUTE if compute >= memory else Bottleneck.MEMORY,
        mfu=flops / latency / peak,
        arithmetic_intensity=flops / traffic,
        flops=flops,
        memory_traffic=traffic,
        energy=hardware.tdp * assumptions.average_power_fraction * latency,
        memory_footprint=footprint,
        feasible=feasible,
        constraint=constraint,
    )


def _default_seq(model: TransformerSpec) -> int:
    """Tokens per sample when none is given: 2048 (GPT-3's context), or less for short models."""
    return min(2048, model.max_context)


def _cnn_pass(model: CNNSpec, batch: int, bpe: float, training: bool) -> tuple[float, float, float]:
    """FLOPs, bytes moved and bytes held for ``batch`` images."""
    weights = model.parameters * bpe
    activations = model.activations_per_inference * bpe * batch
    flops = model.flops_per_inference * batch
    traffic = weights + 2.0 * activations
    footprint = weights + activations
    if training:
        flops *= TRAINING_FLOP_MULTIPLIER
        traffic = 3.0 * weights + 4.0 * activations  # read W twice, write grads; activations kept
    return flops, traffic, footprint


def _transformer_pass(
    model: TransformerSpec, batch: int, tokens: int, bpe: float, training: bool
) -> tuple[float, float, float]:
    """FLOPs, bytes moved and bytes held for ``batch`` sequences of ``tokens`` tokens."""
    all_tokens = batch * tokens
    act_bpe = tf.activation_bytes(bpe)
    flops = tf.prefill_flops(model, tokens, batch)
    weights = tf.weight_elements_touched(model, all_tokens) * bpe
    kv = tf.kv_cache_bytes(model, tokens, batch, bpe)
    traffic = weights + tf.activation_traffic(model, all_tokens, act_bpe) + kv
    footprint = model.parameters * bpe + kv
    if training:
        flops *= TRAINING_FLOP_MULTIPLIER
        stored = tf.activation_elements_per_token(model) * all_tokens * act_bpe
        traffic = 3.0 * weights + 3.0 * tf.activation_traffic(model, all_tokens, act_bpe)
        footprint += stored
    return flops, traffic, footprint
