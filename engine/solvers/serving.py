"""LLM serving: a compute-bound prefill and a memory-bound decode (Pope et al. 2022).

TTFT charges the prefill's FLOPs ``F / (t·peak·η_p)`` and its bytes ``B / (t·BW·η_d)`` one after the
other, plus two tensor-parallel all-reduces per layer (Shoeybi et al. 2019, §3) and a fixed time per
kernel launched; the all-reduces and launches are priced as the serving runtime runs them
(``serving_overheads``: NCCL's algorithm choice or the engine's one-shot kernel, CUDA-graph
decode). At prompt lengths of 10²–10³ tokens a layer's GEMMs sit near the ridge point, where
streaming the weights is not hidden behind the math: the roofline's ``max`` predicts batch-1 TTFT
1.3–2.5× too low (TensorRT-LLM and FasterTransformer measurements, ``mlsysim validate``), the sum
does not. ITL is one decode iteration (``decode_step``) at the average context ``S + n_out/2``: all
weights and the KV cache at that context are read, the step's FLOPs are charged too, and the work
of different kernels adds. Activations and all-reduce messages are at least 16-bit
(``transformer.activation_bytes``).
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

from ..assumptions import Assumptions
from ..enums import Precision
from ..errors import InvalidInputError
from ..hardware.types import HardwareSpec
from ..models.types import TransformerSpec
from ..runtimes import RuntimeCosts
from . import transformer as tf
from .checks import whole
from .collectives import topology_code
from .decode_step import Replica, iteration_time
from .ops import SCALAR, Ops
from .serving_overheads import prefill_launch, tp_communication


class ServingEstimate(NamedTuple):
    """Times in s, sizes in B (per device unless named total), rates in tokens/s."""

    ttft: float
    itl: float
    e2e_latency: float
    decode_tokens_per_s: float
    kv_cache_size: float
    kv_cache_peak: float
    weights_size: float
    memory_per_device: float
    total_memory: float
    memory_utilization: float
    prefill_compute_latency: float
    prefill_memory_latency: float
    decode_compute_latency: float
    decode_memory_latency: float
    tp_communication_latency: float
    feasible: bool
    constraint: str


def serving(
    model: TransformerSpec,
    hardware: HardwareSpec,
    seq_len: int,
    batch: int,
    precision: Precision,
    assumptions: Assumptions,
    *,
    output_len: int = 128,
    tp: int = 1,
    kv_precision: Precision | None = None,
    runtime: str | None = None,
) -> ServingEstimate:
    """TTFT, ITL, memory and feasibility of serving ``batch`` requests on ``tp`` devices, with the
    serving ``runtime``'s launch and communication (``assumptions.default_runtime`` when None)."""
    seq_len = whole("seq_len", seq_len)
    batch = whole("batch_size", batch)
    output_len = whole("output_len", output_len)
    tp = whole("tp_size", tp)
    # The last generated token is never fed back, so the model attends over seq_len + output_len - 1.
    if seq_len + output_len - 1 > model.max_context:
        raise InvalidInputError(
            "seq_len",
            seq_len,
            f"seq_len + output_len - 1 must be <= {model.max_context} (the context of {model.name})",
        )
    if model.heads % tp:
        raise InvalidInputError("tp_size", tp, f"must divide the {model.heads} attention heads")
    peak = hardware.flops(precision)
    if tp > 1 and not hardware.scale_up_bandwidth:
        raise InvalidInputError(
            "tp_size", tp, f"{hardware.name} has no scale-up link in the catalog; use tp_size=1"
        )
    check_scale_up_domain(tp, hardware)
    bpe = precision.bytes_per_element
    estimate = serving_core(
        model,
        peak=peak,
        memory_bandwidth=hardware.memory_bandwidth,
        scale_up_bandwidth=hardware.scale_up_bandwidth or math.inf,
        topology=topology_code(hardware.scale_up_topology),
        capacity=hardware.memory_capacity,
        seq_len=seq_len,
        batch=batch,
        output_len=output_len,
        tp=tp,
        bpe=bpe,
        act_bpe=tf.activation_bytes(bpe),
        kv_bpe=(kv_precision or precision).bytes_per_element,
        assumptions=assumptions,
        runtime=assumptions.runtime(runtime),
        ops=SCALAR,
    )
    if estimate.feasible:
        return estimate
    usable = hardware.memory_capacity * (1.0 - assumptions.memory_reserved_fraction)
    kv_device = estimate.kv_cache_peak / min(tp, model.kv_heads)
    return estimate._replace(
        constraint=(
            f"needs {estimate.memory_per_device / 1e9:.1f} GB per device (weights "
            f"{estimate.weights_size / tp / 1e9:.1f} GB, KV cache {kv_device / 1e9:.1f} GB); "
            f"{usable / 1e9:.1f} GB usable of {hardware.memory_capacity / 1e9:.1f} GB on "
            f"{hardware.name} — raise tp_size or lower batch/precision"
        )
    )


def check_scale_up_domain(tp: int, hardware: HardwareSpec) -> None:
    """A tensor-parallel group must fit in one scale-up domain: serving across nodes is not modelled."""
    domain = hardware.scale_up_domain
    if domain is not None and tp > domain:
        raise InvalidInputError(
            "tp_size",
            tp,
            f"must be <= {domain}, the accelerators {hardware.name} reaches over its scale-up link "
            "(tensor parallelism across nodes is not modelled for serving)",
        )


def serving_core(
    model: Any,
    *,
    peak: Any,
    memory_bandwidth: Any,
    scale_up_bandwidth: Any,
    topology: Any,
    capacity: Any,
    seq_len: Any,
    batch: Any,
    output_len: Any,
    tp: Any,
    bpe: Any,
    act_bpe: Any,
    kv_bpe: Any,
    assumptions: Assumptions,
    runtime: RuntimeCosts,
    ops: Ops,
) -> ServingEstimate:
    """The serving equations on plain numbers (scalars, or numpy arrays with numpy ``ops``);
    ``peak`` is the device's FLOP/s at the precision, ``scale_up_bandwidth`` infinite without a
    link, ``topology`` its code (``collectives.topology``). Arguments are assumed valid;
    ``constraint`` is left empty."""
    a = assumptions
    flops_rate = peak * tp * a.prefill_compute_efficiency
    bandwidth = memory_bandwidth * tp * a.decode_bandwidth_efficiency
    kv_shards = ops.minimum(tp, model.kv_heads)  # KV heads replicate once tp exceeds them

    weights = model.parameters * bpe
    kv_prompt = tf.kv_cache_bytes(model, seq_len, batch, kv_bpe)
    kv_peak = tf.kv_cache_bytes(model, seq_len + output_len, batch, kv_bpe)
    workspace = model.activation_elements_per_token / model.layers * seq_len * batch * act_bpe
    per_device = weights / tp + kv_peak / kv_shards + workspace / tp

    link = (scale_up_bandwidth, topology, a, runtime, ops)

    prefill_compute = tf.prefill_flops(model, seq_len, batch) / flops_rate
    prefill_bytes = (
        tf.weight_elements_touched(model, seq_len * batch) * bpe
        + tf.activation_traffic(model, seq_len * batch, act_bpe)
        + kv_prompt * tp / kv_shards
    )
    prefill_memory = prefill_bytes / bandwidth
    prefill_message = batch * seq_len * model.hidden_size * act_bpe
    prefill_comm = tp_communication(model, prefill_message, tp, *link) * runtime.prefill_comm_exposed
    # The prefill is one engine iteration too: the same host-side cost as a decode iteration.
    ttft = (
        prefill_compute
        + prefill_memory
        + prefill_comm
        + prefill_launch(model, a)
        + runtime.iteration_overhead
    )

    replica = Replica(
        peak,
        memory_bandwidth,
        capacity,
        scale_up_bandwidth,
        tp,
        1.0,
        bpe,
        act_bpe,
        kv_bpe,
        topology=topology,
        runtime=runtime,
    )
    step = iteration_time(
        model,
        replica,
        a,
        ops,
        decode=batch,
        prefill=0.0,
        context=seq_len + output_len / 2.0,
        prefill_context=0.0,
        eager=0.0,
    )
    itl = step.total

    return ServingEstimate(
        ttft=ttft,
        itl=itl,
        e2e_latency=ttft + (output_len - 1) * itl,
        decode_tokens_per_s=batch / itl,
        kv_cache_size=kv_prompt,
        kv_cache_peak=kv_peak,
        weights_size=weights,
        memory_per_device=per_device,
        total_memory=per_device * tp,
        memory_utilization=per_device / capacity,
        prefill_compute_latency=prefill_compute,
        prefill_memory_latency=prefill_memory,
        decode_compute_latency=step.compute,
        decode_memory_latency=step.weights + step.kv + step.activations,
        tp_communication_latency=prefill_comm,
        feasible=per_device <= capacity * (1.0 - a.memory_reserved_fraction),
        constraint="",
    )
