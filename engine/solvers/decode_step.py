"""One engine iteration of LLM serving: ``decode`` running sequences and ``prefill`` prompt tokens
(a chunk) through one pipeline stage of a replica, as vLLM, SGLang and TensorRT-LLM schedule them
(Yu et al. 2022, Orca, §4.2: iteration-level scheduling; Agrawal et al. 2024, Sarathi-Serve, §4:
chunked prefill shares iterations with decodes).

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
  per query token, Pope et al. 2022 §2), at ``kv_read_efficiency`` of the memory bandwidth —
  paged, scattered blocks stream at a lower rate than the weights; a prefill chunk attends causally
  over its prompt (``prefill_context`` is the mean attended length per prefill token) and writes
  its KV entries. Speculative decoding verifies ``queries`` tokens per sequence against one read of
  its cache (Leviathan et al. 2023, §3).
- Tensor-parallel all-reduces of the layer outputs (Shoeybi et al. 2019, §3), the activations a
  pipeline stage hands to the next (Narayanan et al. 2021, §2.2), kernel launches and a fixed
  host-side cost per iteration (scheduling, sampling, detokenisation: ``serving_iteration_overhead``).
- Expert parallelism (``ep > 1``, MoE only): ``ep`` groups of ``tp`` devices each run attention
  for their share of the sequences (data-parallel attention, as SGLang and DeepSeek deploy it), the
  routed experts are spread over all ``tp·ep`` devices, and each MoE layer dispatches every token's
  hidden state to its ``k`` experts and combines the results with two all-to-alls (Lepikhin et al.
  2021, GShard, §2.2). The busiest device gets ``expert_routing_imbalance`` times the mean expert
  load (DeepSeek-AI 2024, EPLB; SGLang 2025: default vs balanced expert placement).

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

    ``peak`` is FLOP/s at the compute precision; ``scale_up_bandwidth`` the aggregate bidirectional
    link rate (``inf`` without a link); ``tp`` devices share each of ``pp`` pipeline stages, and
    with expert parallelism ``ep`` such groups share the routed experts, reaching each other at
    ``ep_bandwidth`` (B/s, one direction, achieved) and ``ep_latency`` (s); ``*_bpe`` are bytes per
    element of the weights, activations and KV cache.
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
    ep: Any = 1.0
    ep_bandwidth: Any = float("inf")
    ep_latency: Any = 0.0

    @property
    def devices(self) -> Any:
        return self.tp * self.pp * self.ep


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
    queries: Any = 1.0,
) -> IterationTime:
    """One stage's iteration over ``decode`` sequences at mean KV ``context`` (``queries`` tokens
    each) and ``prefill`` prompt tokens attending over ``prefill_context`` positions on average."""
    tokens = decode * queries + prefill  # through the replica's GEMMs, all expert-parallel groups
    group = tokens / r.ep  # tokens of one data-parallel attention group
    flops_rate = r.peak * r.tp * a.prefill_compute_efficiency
    bandwidth = r.memory_bandwidth * r.tp
    streaming = bandwidth * a.decode_bandwidth_efficiency
    kv_shards = ops.minimum(r.tp, model.kv_heads)  # KV heads replicate once tp exceeds them
    imbalance = ops.where(r.ep > 1.0, a.expert_routing_imbalance, 1.0)
    routed = model.experts_per_token * model.expert_parameters  # routed-expert weights per token

    attention = (
        4.0 * model.layers * model.attention_width * (decode * queries * context + prefill * prefill_context)
    )
    flops = (
        2.0 * (model.active_parameters - routed) * group
        + (2.0 * routed * tokens * imbalance + attention) / r.ep
    )
    compute = flops / flops_rate / r.pp
    hit = tf.weight_elements_touched(model, ops.maximum(tokens, 1.0)) - model.shared_parameters
    weights = (model.shared_parameters + hit * imbalance / r.ep) * r.weight_bpe / streaming / r.pp
    activations = tf.activation_traffic(model, group, r.act_bpe) / streaming / r.pp
    # Decode reads every running sequence's cache once; a prefill chunk writes its own entries.
    kv_read = tf.kv_cache_bytes(model, context, decode / r.ep, r.kv_bpe) * r.tp / kv_shards
    kv_write = tf.kv_cache_bytes(model, prefill / r.ep, 1.0, r.kv_bpe) * r.tp / kv_shards
    kv = (kv_read / (bandwidth * a.kv_read_efficiency) + kv_write / streaming) / r.pp
    communication = (
        _tp_communication(model, group * model.hidden_size * r.act_bpe, r, a)
        + _expert_all_to_all(model, group, r)
    ) / r.pp + _stage_transfer(model, group, r, a)
    fixed = _launch(model, a) / r.pp + a.serving_iteration_overhead
    total = compute + weights + kv + activations + communication + fixed
    return IterationTime(total, compute, weights, kv, activations, communication, fixed)


def _tp_communication(model: Any, message: Any, r: Replica, a: Assumptions) -> Any:
    """The pass's tensor-parallel all-reduces: a ring over ``tp`` devices on the scale-up link, one
    direction of the datasheet's bidirectional rate (Patarasuk & Yuan 2009). With expert
    parallelism the MoE layer's output is combined by the all-to-all instead of all-reduced."""
    link = r.scale_up_bandwidth / 2.0 * a.scale_up_efficiency
    per_layer = TP_ALLREDUCES_PER_LAYER - (r.ep > 1.0) * 1.0
    return model.layers * per_layer * ring_allreduce(message, r.tp, link, a.scale_up_latency)


def _expert_all_to_all(model: Any, group_tokens: Any, r: Replica) -> Any:
    """Dispatch and combine of each MoE layer: every device sends its share of the group's tokens
    to their ``k`` experts, ``(D−1)/D`` of them on other devices (``D = tp·ep``), and receives the
    results back; zero without expert parallelism."""
    devices = r.tp * r.ep
    sent = group_tokens / r.tp * model.experts_per_token * model.hidden_size * r.act_bpe
    one_way = sent * (devices - 1.0) / devices / r.ep_bandwidth + r.ep_latency
    return (r.ep > 1.0) * model.layers * 2.0 * one_way


def _stage_transfer(model: Any, tokens: Any, r: Replica, a: Assumptions) -> Any:
    """The activations a pipeline stage hands to the next: one point-to-point message of
    ``tokens·hidden`` elements per stage boundary (``pp − 1`` per pass), none for one stage."""
    link = r.scale_up_bandwidth / 2.0 * a.scale_up_efficiency
    message = tokens * model.hidden_size * r.act_bpe
    return (r.pp - 1.0) / r.pp * point_to_point(message, link, a.scale_up_latency)


def _launch(model: Any, a: Assumptions) -> Any:
    """Every kernel of the pass launched from the host (``kernel_overhead`` each)."""
    return model.layers * model.kernels_per_layer * a.kernel_overhead
