"""3D-parallel training step (data × tensor × pipeline) on a fleet.

- Compute: training FLOPs per token are ``3·F`` for forward ``F`` (Kaplan et al. 2020), ``4·F`` with
  full activation recomputation (Narayanan et al. 2021, eq. 3 counts the extra forward pass).
- Pipeline: 1F1B schedule, ``m`` micro-batches on ``p`` stages take ``(m + p − 1)`` slots; the
  bubble fraction is ``(p − 1)/(v·m + p − 1)`` with ``v`` interleaved chunks (Narayanan et al. 2021, §2.2).
- Tensor parallel: 4 all-reduces per layer per micro-batch (2 forward, 2 backward; 2 more when the
  forward is recomputed) of ``b·s·h`` activations (Shoeybi et al. 2019, §3).
- Pipeline transfers: ``b·s·h`` activations forward and their gradients backward per stage boundary.
- Data parallel: all-reduce of the gradients after the backward pass (Megatron-LM's data-parallel
  all-reduce, Narayanan et al. 2021). Every collective is priced by ``collectives``: NCCL's cheapest
  algorithm inside a node's scale-up domain, and its two-level ring or tree across nodes
  (``_allreduce`` below). ZeRO-3 instead all-gathers each
  layer's parameters for every pass that uses them and reduce-scatters the gradients, ``Ψ`` each:
  forward, backward and the reduce-scatter make ``3Ψ``, 1.5× the all-reduce's ``2Ψ`` (Rajbhandari et
  al. 2020, §7.2.2), and full recomputation re-gathers for the recomputed forward, ``4Ψ`` (2×). These
  collectives are issued layer by layer during the passes, so they overlap the compute:
  the step takes the longer of the two.
- Memory: weights, gradients and ``K`` optimizer bytes per parameter, partitioned by ZeRO stage
  (Rajbhandari et al. 2020, §5); activations per layer ``s·b·h·(34 + 5·a·s/h)/t`` without
  recomputation, ``34·s·b·h/t`` with selective and ``2·s·b·h/t`` with full recomputation
  (Korthikanti et al. 2022, Table 2, with sequence parallelism), for up to ``p`` micro-batches in
  flight on the first stage.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from ..assumptions import Assumptions
from ..enums import Precision
from ..errors import InvalidInputError
from ..models.types import TransformerSpec
from ..systems.types import FleetSpec
from . import transformer as tf
from .checks import one_of, whole
from .collectives import multi_node, point_to_point, scale_up, topology_code
from .ops import SCALAR

RECOMPUTE_MODES = ("none", "selective", "full")
_FORWARD_PASSES = {"none": 3.0, "selective": 3.0, "full": 4.0}
_TP_ALLREDUCES = {"none": 4, "selective": 4, "full": 6}


class TrainingEstimate(NamedTuple):
    """One optimizer step; times in s, memory in B per device, throughput in tokens/s."""

    step_latency_total: float
    compute_latency: float
    tp_communication_latency: float
    pp_communication_latency: float
    dp_communication_latency: float
    bubble_latency: float
    optimizer_latency: float
    bubble_fraction: float
    scaling_efficiency: float
    mfu: float
    hfu: float
    tokens_per_s: float
    memory_per_device: float
    weights_memory: float
    optimizer_memory: float
    activation_memory: float
    data_parallel: int
    microbatch_size: int
    feasible: bool
    constraint: str


def training_step(
    model: TransformerSpec,
    fleet: FleetSpec,
    batch: int,
    precision: Precision,
    assumptions: Assumptions,
    *,
    tp: int = 1,
    pp: int = 1,
    microbatches: int = 1,
    seq_len: int = 2048,
    zero_stage: int = 0,
    recompute: str = "full",
    interleave: int = 1,
) -> TrainingEstimate:
    """Step time, its parts, memory per device and feasibility of one training configuration."""
    batch, tp, pp = whole("batch_size", batch), whole("tp_size", tp), whole("pp_size", pp)
    m, seq_len = whole("microbatch_count", microbatches), whole("seq_len", seq_len)
    v = whole("interleave", interleave)
    one_of("zero_stage", zero_stage, (0, 1, 2, 3))
    one_of("recompute", recompute, RECOMPUTE_MODES)
    n = fleet.accelerators
    if n % (tp * pp):
        raise InvalidInputError(
            "tp_size", tp, f"tp_size × pp_size = {tp * pp} must divide the fleet's {n} devices"
        )
    dp = n // (tp * pp)
    if batch % (dp * m):
        raise InvalidInputError(
            "batch_size",
            batch,
            f"must be a multiple of data-parallel size × microbatch_count = {dp} × {m} = {dp * m}",
        )
    if pp > model.layers or model.heads % tp:
        raise InvalidInputError(
            "pp_size" if pp > model.layers else "tp_size",
            pp if pp > model.layers else tp,
            f"pp_size <= {model.layers} layers and tp_size dividing {model.heads} heads",
        )
    b = batch // (dp * m)
    hw = fleet.accelerator
    bpe = precision.bytes_per_element
    peak = hw.flops(precision)
    per_node = fleet.node.accelerators_per_node
    stage_layers = math.ceil(model.layers / pp)

    # Compute of one micro-batch on one stage, one device.
    forward = tf.prefill_flops(model, seq_len, b)
    hardware_flops = forward * _FORWARD_PASSES[recompute]
    t_compute = hardware_flops / pp / tp / (peak * assumptions.training_compute_efficiency)

    activation = b * seq_len * model.hidden_size * bpe
    t_tp = stage_layers * _TP_ALLREDUCES[recompute] * _allreduce(fleet, activation, tp, tp, assumptions)
    t_pp = 2.0 * _send(fleet, activation / tp, tp * pp <= per_node, assumptions) if pp > 1 else 0.0

    slot = t_compute + t_tp + t_pp
    bubble = (pp - 1) / v * slot
    gradients = model.parameters / (tp * pp) * bpe
    # Data-parallel peers are tp·pp ranks apart, so a node holds per_node/(tp·pp) of them (at least 1).
    dp_local = max(1, min(dp, per_node // (tp * pp)))
    t_dp = _zero_traffic(zero_stage, recompute) * _allreduce(fleet, gradients, dp, dp_local, assumptions)
    optimizer_bytes = (
        2.0
        * model.parameters
        / (tp * pp)
        * (2 * bpe + assumptions.optimizer_state_bytes_per_parameter)
        / (dp if zero_stage >= 1 else 1)
    )
    t_opt = optimizer_bytes / (hw.memory_bandwidth * assumptions.decode_bandwidth_efficiency)
    passes = m * slot + bubble
    step = (max(passes, t_dp) if zero_stage == 3 else passes + t_dp) + t_opt

    weights_mem, optimizer_mem = _state_memory(model, tp, pp, dp, bpe, zero_stage, assumptions)
    act_mem = _activation_memory(model, b, seq_len, tp, stage_layers, min(m, pp), recompute)
    per_device = weights_mem + optimizer_mem + act_mem
    usable = hw.memory_capacity * (1.0 - assumptions.memory_reserved_fraction)
    feasible = per_device <= usable
    constraint = (
        ""
        if feasible
        else (
            f"needs {per_device / 1e9:.1f} GB per device (weights+grads {weights_mem / 1e9:.1f}, "
            f"optimizer {optimizer_mem / 1e9:.1f}, activations {act_mem / 1e9:.1f}); "
            f"{usable / 1e9:.1f} GB usable on {hw.name} — raise tp/pp, ZeRO stage or recompute"
        )
    )
    model_flops = 3.0 * forward * dp * m  # 6·N per token plus attention, no recomputation
    return TrainingEstimate(
        step_latency_total=step,
        compute_latency=m * t_compute,
        tp_communication_latency=m * t_tp,
        pp_communication_latency=m * t_pp,
        dp_communication_latency=t_dp,
        bubble_latency=bubble,
        optimizer_latency=t_opt,
        bubble_fraction=(pp - 1) / (v * m + pp - 1),
        scaling_efficiency=m * t_compute / step,
        mfu=model_flops / step / (n * peak),
        hfu=model_flops / 3.0 * _FORWARD_PASSES[recompute] / step / (n * peak),
        tokens_per_s=batch * seq_len / step,
        memory_per_device=per_device,
        weights_memory=weights_mem,
        optimizer_memory=optimizer_mem,
        activation_memory=act_mem,
        data_parallel=dp,
        microbatch_size=b,
        feasible=feasible,
        constraint=constraint,
    )


def _zero_traffic(zero_stage: int, recompute: str) -> float:
    """Data-parallel bytes per step as a multiple of a gradient all-reduce's ``2Ψ`` (module docstring)."""
    if zero_stage < 3:
        return 1.0
    gathers = 3 if recompute == "full" else 2
    return (gathers + 1) / 2.0


def _allreduce(fleet: FleetSpec, message: float, ranks: int, local: int, a: Assumptions) -> float:
    """All-reduce of ``message`` bytes over ``ranks`` ranks, ``local`` of them (at most a node's worth)
    in each node: NCCL's choice inside the node's scale-up domain, its two-level ring or tree
    across nodes (``collectives.multi_node``). A device without a scale-up link reaches even its node's
    peers over the fabric, so each rank is then its own node.

    A node is credited one rail of the fabric for the group: the fabric's bandwidth per accelerator,
    not the sum of its NICs. NCCL's multi-rail rings and trees would move up to ``local`` times
    more, but the ZeRO-3 and small-model data-parallel runs of Narayanan et al.
    2021 (Table 2, and the 1.7-7.5B rows of Table 1; ``mlsysim validate``) match the single-rail
    rate, so the conservative figure is kept."""
    hw, fabric = fleet.accelerator, fleet.fabric
    node_bandwidth = fabric.bandwidth_per_accelerator * a.scale_out_efficiency
    up = (hw.scale_up_bandwidth or 0.0) / 2.0
    local = min(local, fleet.node.accelerators_per_node) if up else 1
    topology = topology_code(hw.scale_up_topology)
    time = multi_node.allreduce_time(
        message, ranks, local, up, topology, node_bandwidth, fabric.latency, a, SCALAR
    )
    return float(time)


def _send(fleet: FleetSpec, message: float, inside_node: bool, a: Assumptions) -> float:
    """One point-to-point transfer between pipeline stages, over the scale-up link inside a node."""
    hw, fabric = fleet.accelerator, fleet.fabric
    if inside_node and hw.scale_up_bandwidth:
        return float(scale_up.send(message, hw.scale_up_bandwidth / 2.0, a))
    bandwidth = fabric.bandwidth_per_accelerator * a.scale_out_efficiency
    return a.collective_launch_latency + point_to_point(message, bandwidth, fabric.latency)


def _state_memory(
    model: TransformerSpec, tp: int, pp: int, dp: int, bpe: float, zero: int, a: Assumptions
) -> tuple[float, float]:
    """(weights + gradients, optimizer states) in bytes per device under ZeRO stage ``zero``."""
    params = model.parameters / (tp * pp)
    weights = params * bpe / (dp if zero >= 3 else 1)
    grads = params * bpe / (dp if zero >= 2 else 1)
    optimizer = params * a.optimizer_state_bytes_per_parameter / (dp if zero >= 1 else 1)
    return weights + grads, optimizer


def _activation_memory(
    model: TransformerSpec, b: int, s: int, t: int, layers: int, in_flight: int, recompute: str
) -> float:
    """Korthikanti et al. 2022, Table 2 (sequence + tensor parallel), bytes per device."""
    h, a = model.hidden_size, model.heads
    if recompute == "full":
        per_layer = 2.0 * s * b * h / t
    elif recompute == "selective":
        per_layer = 34.0 * s * b * h / t
    else:
        per_layer = s * b * h * (34.0 + 5.0 * a * s / h) / t
    return per_layer * layers * in_flight
