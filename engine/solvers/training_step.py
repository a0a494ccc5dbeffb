"""One optimizer step of a parallel layout, on plain numbers: scalars for one layout, numpy arrays
for a sweep of layouts (the layout search evaluates its whole grid in one call).

- Compute: training costs the forward pass plus a backward pass of twice its FLOPs, ``3·F``
  (Kaplan et al. 2020, §2.1); full recomputation adds another forward pass, ``4·F`` (Narayanan et
  al. 2021, eq. 3), selective recomputation another forward pass of the core attention (Megatron-LM
  ``--recompute-granularity selective``). The forward FLOPs are ``transformer.prefill_flops``; a
  mixture of experts computes its routed experts for ``capacity factor`` times the tokens an even
  router would send (the busiest rank sets the pace; Fedus et al. 2022, §2.2). Linear layers run at
  the training precision (FP8 training quantises GEMM inputs only: Micikevicius et al. 2022, §4),
  fused attention at 16 bits at its own efficiency. The work splits evenly over ``tp·pp·cp``
  devices of a replica.
- Pipeline: 1F1B over ``m`` micro-batches and ``p`` stages with ``v`` interleaved chunks takes
  ``m`` slots plus a bubble of ``(p − 1)/v`` slots; bubble fraction ``(p − 1)/(v·m + p − 1)``
  (Narayanan et al. 2021, §2.2). A slot is one micro-batch's compute and its tensor, pipeline,
  context and expert communication (``parallel_comm``).
- The data-parallel gradient reduction follows the passes (Megatron-LM's data-parallel all-reduce),
  over the ``dp·cp`` ranks that hold the same weights (context-parallel ranks see different tokens
  of the same sequences, so their gradients are reduced, and ZeRO shards, with the data-parallel
  ones: Megatron-LM's data-parallel group with context parallelism, torchtitan's FSDP mesh);
  ZeRO-3's gathers are issued layer by layer during the passes and overlap them, as Megatron-LM's
  bucketed reduce does with ``--overlap-grad-reduce``: such a step takes the longer of the two. The
  optimizer then reads and writes weights, gradients and its states once at the memory bandwidth.
- Memory per device by part: ``parallel_memory``.

MFU counts the model's FLOPs (``3·F``, no recomputation) against the fleet's peak at the training
precision; HFU counts the FLOPs the hardware runs, recomputation included.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from ..assumptions import Assumptions
from . import parallel_comm as comm
from . import transformer as tf
from .ops import Ops
from .parallel_layout import RECOMPUTE_MODES
from .parallel_memory import activation_memory, routed_capacity, stage_parameters, state_memory

SELECTIVE, FULL = RECOMPUTE_MODES.index("selective"), RECOMPUTE_MODES.index("full")


class DeviceFigures(NamedTuple):
    """The fleet as one training step sees it (scalars, or arrays with one value per row)."""

    accelerators: Any
    links: comm.Links
    gemm_peak: Any  # FLOP/s of linear layers at the training precision
    gemm_efficiency: Any  # fraction of that peak reached
    attention_rate: Any  # FLOP/s fused attention reaches: 16-bit peak × its training efficiency
    memory_rate: Any  # achieved memory bandwidth, B/s
    usable_memory: Any  # B per device, less the runtime's reserve


class StepEstimate(NamedTuple):
    """One optimizer step: times in s, memory in B per device, throughput in tokens/s (the fleet's
    and per device), ``flops_per_gpu`` the model FLOP/s each device achieves; the layout's data
    parallelism and micro-batching; ``layout`` its text and ``constraint`` what does not fit (both
    filled by the scalar path)."""

    step_latency_total: Any
    compute_latency: Any
    tp_communication_latency: Any
    pp_communication_latency: Any
    dp_communication_latency: Any
    cp_communication_latency: Any
    ep_communication_latency: Any
    bubble_latency: Any
    optimizer_latency: Any
    bubble_fraction: Any
    scaling_efficiency: Any
    mfu: Any
    hfu: Any
    flops_per_gpu: Any
    tokens_per_s: Any
    tokens_per_s_per_gpu: Any
    memory_per_device: Any
    weights_memory: Any
    gradient_memory: Any
    optimizer_memory: Any
    activation_memory: Any
    usable_memory: Any
    data_parallel: Any
    microbatch_size: Any
    microbatches: Any
    layout: str
    feasible: Any
    constraint: str


def training_step_core(
    model: Any,
    d: DeviceFigures,
    *,
    batch: Any,
    seq_len: Any,
    tp: Any,
    pp: Any,
    dp: Any,
    cp: Any,
    ep: Any,
    microbatch_size: Any,
    microbatches: Any,
    interleave: Any,
    recompute: Any,
    zero_stage: Any,
    overlap_grad_reduce: Any,
    weight_bytes: Any,
    act_bytes: Any,
    assumptions: Assumptions,
    ops: Ops,
    label: str = "",
) -> StepEstimate:
    """The step equations of the module docstring; ``recompute`` is an index of
    ``RECOMPUTE_MODES``, ``model`` a ``TransformerSpec``, every other input a number or an array.
    Choices between two expressions are arithmetic (``x + flag·(y − x)``), so the same expressions
    serve a number and an array."""
    a, links = assumptions, d.links
    b, s, m, v = microbatch_size, seq_len, microbatches, interleave
    h, layers = model.hidden_size, model.layers
    full = recompute == FULL
    rerun_attention = full | (recompute == SELECTIVE)
    capacity = routed_capacity(model, a.moe_capacity_factor)
    layers_here = -(-layers // pp)
    replica_share = tp * pp * cp

    # One micro-batch through one stage of one device: 3 forward-sized passes, 4 when recomputed.
    linear = 2.0 * b * s * model.active_parameters
    attention = tf.prefill_flops(model, s, b) - linear
    busiest_linear = (
        linear + 2.0 * b * s * (capacity - 1.0) * model.experts_per_token * model.expert_parameters
    )
    t_linear = (3.0 + full) * busiest_linear / replica_share / (d.gemm_peak * d.gemm_efficiency)
    t_attention = (3.0 + rerun_attention) * attention / replica_share / d.attention_rate
    t_compute = t_linear + t_attention

    tokens = b * s / cp
    activations = tokens * h * act_bytes
    t_tp = comm.tensor_parallel(activations, tp, layers_here, 4.0 + 2.0 * full, links, a, ops)
    t_pp = comm.pipeline(activations, tp, pp, v, d.accelerators, links, a, ops)
    kv_bytes = b * s * model.kv_elements_per_token / layers * act_bytes / tp
    t_cp = comm.context_parallel(kv_bytes, cp, tp, layers_here, t_attention, links, a, ops)
    moe_layers = layers_here if model.experts > 1 else 0.0
    routed_bytes = activations / tp * model.experts_per_token * capacity
    t_ep = comm.expert_parallel(routed_bytes, ep, tp * cp, moe_layers, 4.0 + 2.0 * full, links, a, ops)

    shared, routed = stage_parameters(model, tp, pp, ep)
    zero3 = zero_stage == 3
    # ZeRO-3 moves 3 (4 with full recomputation) parameter volumes against the all-reduce's 2.
    traffic = 1.0 + zero3 * (0.5 + 0.5 * full)
    replicas = dp * cp  # ranks holding the same weights: the gradient reduction's and ZeRO's group
    t_dp = comm.data_parallel(
        shared * weight_bytes, routed * weight_bytes, replicas, ep, tp, traffic, links, a, ops
    )
    gradient_bytes, state_bytes = a.gradient_bytes_per_parameter, a.optimizer_state_bytes_per_parameter
    weights, gradients, optimizer = state_memory(
        shared, routed, replicas, ep, zero_stage, weight_bytes, gradient_bytes, state_bytes
    )
    # The optimizer steps the parameters whose state this device holds, reading and writing their
    # weights, gradients and states.
    updated = optimizer / state_bytes
    t_opt = 2.0 * updated * (weight_bytes + gradient_bytes + state_bytes) / d.memory_rate

    slot = t_compute + t_tp + t_pp + t_cp + t_ep
    bubble = (pp - 1.0) / v * slot
    passes = m * slot + bubble
    serial = passes + t_dp
    step = serial + (zero3 | overlap_grad_reduce) * (ops.maximum(passes, t_dp) - serial) + t_opt

    activations_held = activation_memory(
        model,
        seq_len=s,
        microbatch_size=b,
        microbatches=m,
        tp=tp,
        pp=pp,
        cp=cp,
        interleave=v,
        full_recompute=full,
        act_bytes=act_bytes,
        capacity_factor=a.moe_capacity_factor,
        ops=ops,
    )
    per_device = weights + gradients + optimizer + activations_held

    n = d.accelerators
    micro_forward = linear + attention
    forward = micro_forward * batch / b  # the whole batch: FLOPs are linear in the batch
    model_flops = 3.0 * forward
    all_attention = attention * batch / b
    hardware_flops = (3.0 + full) * (forward - all_attention) + (3.0 + rerun_attention) * all_attention
    return StepEstimate(
        step_latency_total=step,
        compute_latency=m * t_compute,
        tp_communication_latency=m * t_tp,
        pp_communication_latency=m * t_pp,
        dp_communication_latency=t_dp,
        cp_communication_latency=m * t_cp,
        ep_communication_latency=m * t_ep,
        bubble_latency=bubble,
        optimizer_latency=t_opt,
        bubble_fraction=(pp - 1.0) / (v * m + pp - 1.0),
        scaling_efficiency=m * t_compute / step,
        mfu=model_flops / step / (n * d.gemm_peak),
        hfu=hardware_flops / step / (n * d.gemm_peak),
        flops_per_gpu=model_flops / step / n,
        tokens_per_s=batch * s / step,
        tokens_per_s_per_gpu=batch * s / step / n,
        memory_per_device=per_device,
        weights_memory=weights,
        gradient_memory=gradients,
        optimizer_memory=optimizer,
        activation_memory=activations_held,
        usable_memory=d.usable_memory,
        data_parallel=dp,
        microbatch_size=b,
        microbatches=m,
        layout=label,
        feasible=per_device <= d.usable_memory,
        constraint="",
    )
