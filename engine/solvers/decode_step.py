"""One engine iteration of LLM serving: ``decode`` tokens (one per running sequence) and ``prefill``
prompt tokens (a chunk) through one pipeline stage of a replica, as vLLM, SGLang and TensorRT-LLM
schedule them (Yu et al. 2022, Orca, §4.2: iteration-level scheduling; Agrawal et al. 2024,
Sarathi-Serve, §4: chunked prefill shares iterations with decodes).

Each term is the time of the kernels that do that work, and the terms add:

- GEMMs: ``2·P_active`` FLOPs per token (Kaplan et al. 2020) at ``prefill_compute_efficiency`` of
  peak, plus streaming the weights they touch (MoE: the experts the tokens hit) and every
  intermediate tensor once. Compute and bytes are charged one after the other, as TTFT charges
  them (``serving``): a decode GEMM at a few hundred tokens sits at the ridge point, where the
  weights are not hidden behind the math. Charging ``max(compute, memory)`` over the whole step
  instead hides the KV reads of attention (a different kernel) behind the GEMMs' compute and
  over-estimates large-batch throughput up to 2.4× (TensorRT-LLM v0.9 throughput tables,
  ``mlsysim validate``, category ``decode-throughput``).
- Attention: decode reads each running sequence's KV cache at its context (``4·L·c·d_attn`` FLOPs
  per token, Pope et al. 2022 §2), at ``kv_read_efficiency`` of the memory bandwidth — paged,
  scattered blocks stream at a lower rate than the weights; a prefill chunk attends causally over
  its prompt (``prefill_context`` is the mean attended length per prefill token) and writes its
  KV entries.
- Tensor-parallel all-reduces of the layer outputs, kernel launches and a fixed host-side cost per
  iteration (scheduling, sampling, detokenisation: ``serving_iteration_overhead``).

The equations take plain numbers (scalars, or numpy arrays with numpy ``ops``): ``model`` is a
``TransformerSpec`` or the per-row arrays of a sweep (``sweeps.gather.TransformerRows``).
"""

from __future__ import annotations

from typing import Any, NamedTuple

from ..assumptions import Assumptions
from . import transformer as tf
from .collectives import point_to_point, ring_allreduce
from .ops import Ops

# Megatron tensor parallelism: two all-reduces per layer in the forward pass, after the attention
# output projection and after the MLP (Shoeybi et al. 2019, §3, Fig. 3).
TP_ALLREDUCES_PER_LAYER = 2


class Replica(NamedTuple):
    """The devices of one model replica, per device, as plain numbers (scalars or arrays).

    ``peak`` is FLOP/s at the compute precision, ``scale_up_bandwidth`` the aggregate bidirectional
    link rate (``inf`` without a link); ``tp`` devices share each of ``pp`` pipeline stages;
    ``*_bpe`` are bytes per element of the weights, activations and KV cache.
    """

    peak: Any
    memory_bandwidth: Any
    capacity: Any
    scale_up_bandwidth: Any
    tp: Any
    pp: Any
    weight_bpe: Any
    act_bpe: Any
    kv_bpe: Any


class IterationTime(NamedTuple):
    """Seconds one pipeline stage spends on one iteration, by kind of work."""

    total: Any
    compute: Any
    weights: Any
    kv: Any
    activations: Any
    communication: Any
    fixed: Any


def iteration_time(
    model: Any,
    r: Replica,
    a: Assumptions,
    ops: Ops,
    *,
    decode: Any,
    prefill: Any,
    context: Any,
    prefill_context: Any,
) -> IterationTime:
    """One stage's iteration over ``decode`` sequences at mean KV ``context`` and ``prefill``
    prompt tokens attending over ``prefill_context`` positions on average."""
    tokens = decode + prefill
    stages = r.pp
    flops_rate = r.peak * r.tp * a.prefill_compute_efficiency
    bandwidth = r.memory_bandwidth * r.tp
    kv_shards = ops.minimum(r.tp, model.kv_heads)  # KV heads replicate once tp exceeds them

    flops = (
        2.0 * model.active_parameters * tokens
        + 4.0 * model.layers * model.attention_width * (decode * context + prefill * prefill_context)
    )
    compute = flops / flops_rate / stages
    weights = (
        tf.weight_elements_touched(model, ops.maximum(tokens, 1.0))
        * r.weight_bpe
        / (bandwidth * a.decode_bandwidth_efficiency)
        / stages
    )
    activations = (
        tf.activation_traffic(model, tokens, r.act_bpe) / (bandwidth * a.decode_bandwidth_efficiency) / stages
    )
    # Decode reads every running sequence's cache; a prefill chunk writes its own entries.
    kv_read = tf.kv_cache_bytes(model, context, decode, r.kv_bpe) * r.tp / kv_shards
    kv_write = tf.kv_cache_bytes(model, prefill, 1.0, r.kv_bpe) * r.tp / kv_shards
    kv = (
        kv_read / (bandwidth * a.kv_read_efficiency) + kv_write / (bandwidth * a.decode_bandwidth_efficiency)
    ) / stages
    communication = _tp_communication(model, tokens * model.hidden_size * r.act_bpe, r, a) / stages
    communication += _stage_transfer(model, tokens, r, a)
    fixed = _launch(model, a) / stages + a.serving_iteration_overhead
    total = compute + weights + kv + activations + communication + fixed
    return IterationTime(total, compute, weights, kv, activations, communication, fixed)


def _tp_communication(model: Any, message: Any, r: Replica, a: Assumptions) -> Any:
    """The pass's tensor-parallel all-reduces: a ring over ``tp`` devices on the scale-up link,
    one direction of the datasheet's bidirectional rate (Patarasuk & Yuan 2009)."""
    link = r.scale_up_bandwidth / 2.0 * a.scale_up_efficiency
    return model.layers * TP_ALLREDUCES_PER_LAYER * ring_allreduce(message, r.tp, link, a.scale_up_latency)


def _stage_transfer(model: Any, tokens: Any, r: Replica, a: Assumptions) -> Any:
    """The activations a pipeline stage hands to the next (Narayanan et al. 2021, §2.2): one
    point-to-point message of ``tokens·hidden`` elements per stage boundary, none for one stage."""
    link = r.scale_up_bandwidth / 2.0 * a.scale_up_efficiency
    message = tokens * model.hidden_size * r.act_bpe
    return (r.pp - 1.0) / r.pp * point_to_point(message, link, a.scale_up_latency)


def _launch(model: Any, a: Assumptions) -> Any:
    """Every kernel of the pass launched from the host (``kernel_overhead`` each)."""
    return model.layers * model.kernels_per_layer * a.kernel_overhead
