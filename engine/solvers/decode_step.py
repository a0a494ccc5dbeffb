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
- Tensor-parallel all-reduces of the layer outputs (Shoeybi et al. 2019, §3), priced as the serving
  runtime runs them (``serving_overheads.tp_communication``: NCCL's algorithm and protocol, or the
  engine's one-/two-shot kernel for small messages) on one all-reduce of the iteration's tokens; the
  activations a pipeline stage hands to the next (Narayanan et al. 2021, §2.2).
- Kernel launches as the runtime runs them (``serving_overheads``): a decode-only iteration replays
  a CUDA graph where the runtime captures them (``decode_launch``), an iteration carrying a prefill
  chunk runs eagerly (``prefill_launch``; vLLM and SGLang capture decode batches only); and, for a
  runtime with a host scheduler, a fixed host-side cost per iteration (scheduling, sampling,
  detokenisation: ``serving_iteration_overhead``).
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

import math
from collections.abc import Callable
from typing import Any, NamedTuple

from ..assumptions import Assumptions
from ..runtimes import RuntimeCosts
from .collectives import point_to_point, scale_up
from .ops import SCALAR, Ops
from .serving_overheads import TP_ALLREDUCES_PER_LAYER, decode_launch, prefill_launch


class Replica(NamedTuple):
    """The devices of one model replica, per device, as plain numbers (scalars or arrays).

    ``peak`` is FLOP/s at the compute precision; ``scale_up_bandwidth`` the aggregate bidirectional
    link rate (``inf`` without a link); ``tp`` devices share each of ``pp`` pipeline stages, and
    with expert parallelism ``ep`` such groups share the routed experts, reaching each other at
    ``ep_bandwidth`` (B/s, one direction, achieved) and ``ep_latency`` (s) — across ``ep_nodes``
    scale-up domains when that is more than one; ``*_bpe`` are bytes per
    element of the weights, activations and KV cache; ``topology`` is the scale-up link's code
    (``collectives.topology``) and ``runtime`` the serving runtime's costs (the assumptions'
    ``default_runtime`` when None).
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
    topology: Any = 0.0
    ep_nodes: Any = 1.0
    runtime: RuntimeCosts | None = None

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


class Affine(NamedTuple):
    """Seconds ``fixed + per_sequence·decode + per_prefill·prefill``."""

    fixed: Any
    per_sequence: Any
    per_prefill: Any

    def at(self, decode: Any, prefill: Any) -> Any:
        return self.fixed + self.per_sequence * decode + self.per_prefill * prefill


class TensorParallel(NamedTuple):
    """One stage's tensor-parallel all-reduces as a function of the iteration's tokens:
    ``share`` of the model's (``serving_overheads.tp_communication`` counts two per layer of the
    whole model) on messages of ``width`` bytes per token.

    ``tp_communication`` takes the cheapest of a few algorithms, each affine in the message
    (``collectives.scale_up``), the engine's own kernels only up to ``custom_allreduce_max``. The
    search for a replica's concurrency evaluates it hundreds of times with the same devices, so
    each algorithm's intercept, slope and largest message are taken once (``pieces``) and the
    minimum is formed from them: the same value as ``tp_communication`` (a test holds them equal
    across topologies, runtimes and sizes) at a fraction of its cost.
    """

    per_layer: Any  # all-reduces of the stage: layers x two per layer x share
    width: Any
    pieces: tuple[tuple[Any, Any, Any], ...]  # (seconds at 0 B, seconds per B, largest message or None)
    alone: Any  # one device: no all-reduce

    def of_tokens(self, ops: Ops) -> Callable[[Any], Any]:
        """``time`` as a function of the tokens alone. For one scenario (``SCALAR``) the message
        sizes split into bands at the algorithms' largest messages, and each band keeps only the
        algorithms that can be the least in it (``_bands``): the same value, from fewer lines."""
        if ops is not SCALAR:
            return lambda tokens: self.time(tokens, ops)
        if self.alone:
            return lambda tokens: 0.0
        per_layer, width, bands = self.per_layer, self.width, _bands(self.pieces)
        bounded, last = bands[:-1], bands[-1][1]  # the last band's top is inf

        def time(tokens: float) -> float:
            message = tokens * width
            lines = last  # also for a NaN message
            for top, band in bounded:
                if message <= top:
                    lines = band
                    break
            best = math.inf
            for intercept, slope in lines:
                best = min(best, intercept + slope * message)
            return per_layer * best

        return time

    def time(self, tokens: Any, ops: Ops) -> Any:
        message = tokens * self.width
        best: Any = math.inf
        for intercept, slope, largest in self.pieces:
            if largest is None:  # an algorithm for every message size (NCCL's)
                best = ops.minimum(best, intercept + slope * message)
            else:
                best = ops.minimum(best, ops.where(message <= largest, intercept + slope * message, math.inf))
        return ops.where(self.alone, 0.0, self.per_layer * best)


def _bands(pieces: tuple[tuple[Any, Any, Any], ...]) -> tuple[tuple[float, tuple[Any, ...]], ...]:
    """One scenario's pieces as bands of message sizes ``(top, lines)``: messages up to ``top``
    (above the band before) reach the ``(intercept, slope)`` lines given, less those that can never
    be the least there (``_beaten``). Kept with the pieces (``_PIECES`` holds them once per replica)."""
    hit = _BANDS.get(id(pieces))
    if hit is not None and hit[0] is pieces:
        return hit[1]
    tops = [*sorted({largest for _, _, largest in pieces if largest is not None}), math.inf]
    bands, bottom = [], 0.0  # a message is at least 0 B
    for top in tops:
        reach = [(i, s) for i, s, largest in pieces if largest is None or largest >= top]
        kept = [True] * len(reach)
        for j, line in enumerate(reach):  # of two equal lines the later one stays
            others = (other for k, other in enumerate(reach) if k != j and kept[k])
            kept[j] = not any(_beaten(line, other, bottom, top) for other in others)
        bands.append((top, tuple(line for line, keep in zip(reach, kept, strict=True) if keep)))
        bottom = top
    if len(_BANDS) >= 256:
        _BANDS.clear()
    _BANDS[id(pieces)] = (pieces, tuple(bands))
    return tuple(bands)


_BANDS: dict[int, tuple[Any, tuple[tuple[float, tuple[Any, ...]], ...]]] = {}
# Far above the rounding of intercept + slope x message (2^-53 of each term, twice) and of the
# test's own arithmetic below (a few 2^-53 of the same sizes).
_MARGIN = 1e-12


def _beaten(line: tuple[float, float], other: tuple[float, float], bottom: float, top: float) -> bool:
    """Whether ``other`` gives a time no greater than ``line``'s, as floats, at every message in
    [bottom, top]: its intercept and slope are both no greater (rounding is monotone), or it is
    below by more than ``_MARGIN`` of the sizes involved over the whole band (the gap is affine in
    the message: checked at the band's ends, or its growth for an open band). A line or other with
    a value that is not finite is never dropped."""
    (i, s), (oi, os) = line, other
    if not (math.isfinite(i) and math.isfinite(s) and math.isfinite(oi) and math.isfinite(os)):
        return False
    if oi <= i and os <= s:
        return True

    def clear(m: float) -> bool:  # line above other by more than the margin at message m
        return (i - oi) + (s - os) * m > _MARGIN * (abs(i) + abs(oi) + (abs(s) + abs(os)) * m)

    if not clear(bottom):
        return False
    if top < math.inf:
        return clear(top)
    return s - os > _MARGIN * (abs(s) + abs(os))  # the gap grows faster than the margin


def tensor_parallel(model: Any, r: Replica, a: Assumptions, runtime: RuntimeCosts, share: Any, ops: Ops):
    """The stage's ``TensorParallel``: ``tp_communication``'s algorithms read at 0 B and at a probe
    message (1 MiB, or ``custom_allreduce_max`` if smaller), and where a message just above
    ``custom_allreduce_max`` no longer reaches them."""
    per_layer = model.layers * TP_ALLREDUCES_PER_LAYER * share
    width = model.hidden_size * r.act_bpe / r.ep
    return TensorParallel(per_layer, width, _allreduce_pieces(r, a, runtime, ops), r.tp <= 1)


def _allreduce_pieces(r: Replica, a: Assumptions, runtime: RuntimeCosts, ops: Ops) -> tuple[Any, ...]:
    """``TensorParallel.pieces`` of the replica's devices, link and runtime; for one scenario
    (``SCALAR``) taken once per devices, assumptions and runtime (``_PIECES``)."""
    if ops is not SCALAR:
        return _read_pieces(r, a, runtime, ops)
    key = (id(a), r.tp, r.scale_up_bandwidth, r.topology, runtime.custom_allreduce_max, runtime.nvls)
    hit = _PIECES.get(key)
    if hit is not None and hit[0] is a:
        return hit[1]
    pieces = _read_pieces(r, a, runtime, ops)
    if len(_PIECES) >= 256:
        _PIECES.clear()
    _PIECES[key] = (a, pieces)  # holding ``a`` keeps its identity from being reused
    return pieces


_PIECES: dict[tuple[Any, ...], tuple[Assumptions, tuple[Any, ...]]] = {}


def _read_pieces(r: Replica, a: Assumptions, runtime: RuntimeCosts, ops: Ops) -> tuple[Any, ...]:
    bandwidth = r.scale_up_bandwidth / 2.0  # one direction, as tp_communication takes it
    limit = runtime.custom_allreduce_max
    probe = ops.where(limit > 0.0, ops.minimum(limit, _PROBE_BYTES), _PROBE_BYTES)
    above = limit * (1.0 + 1e-9) + 1.0

    def candidates(message: Any) -> list[Any]:
        found = scale_up._allreduce_candidates(
            message, r.tp, bandwidth, r.topology, a, ops, limit, runtime.nvls
        )
        return [time for _, time in found]

    pieces = []
    for at0, at_probe, past in zip(candidates(0.0), candidates(probe), candidates(above), strict=True):
        usable = at0 < math.inf
        intercept = ops.where(usable, at0, math.inf)
        slope = ops.where(usable, (at_probe - ops.where(usable, at0, 0.0)) / probe, 0.0)
        largest = ops.where(past < math.inf, math.inf, limit)
        if isinstance(intercept, float) and intercept == math.inf:  # a scalar's unusable one
            continue
        pieces.append((intercept, slope, None if _everywhere_infinite(largest) else largest))
    return tuple(pieces)


def _everywhere_infinite(value: Any) -> bool:
    """``value == inf`` for a scalar, for every element of an array (without importing numpy, so
    a scalar call does not pay numpy's import)."""
    infinite = value == math.inf
    return infinite if isinstance(infinite, bool) else bool(infinite.all())


class StepModel(NamedTuple):
    """One stage's iteration time as a function of its decode sequences and prefill tokens, for a
    given KV context: every term is affine in them except the routed experts' weights, which grow
    with the tokens as ``experts·(1 − miss^tokens)`` (``transformer.weight_elements_touched``), the
    tensor-parallel all-reduces (the runtime picks the algorithm by message size) and the launches
    (eager when the iteration carries a prefill chunk, ``eager`` more than a decode-only one)."""

    compute: Affine
    kv: Affine
    activations: Affine
    communication: Affine  # expert-parallel all-to-alls and pipeline transfers
    fixed: Any  # a decode-only iteration's launches and host work
    eager: Any  # what an iteration carrying a prefill chunk launches beyond a decode-only one
    weights: Any  # weights every iteration reads (all of a dense model)
    experts: Any  # reading every routed expert
    miss: Any  # probability one token misses a given expert, 1 − k/E
    queries: Any
    total: Affine  # every affine term and ``weights`` together
    allreduce: TensorParallel
    dense: bool = False
    single: bool = False  # a scalar replica of one device per stage: no all-reduce

    def time(self, decode: Any, prefill: Any, ops: Ops, eager: Any = None) -> Any:
        """Total seconds of one iteration (what the serving models evaluate over and over);
        ``eager`` is the share of such iterations launched eagerly (default: those with a prefill
        chunk; an average iteration passes the share of iterations that carry one)."""
        return self.of_prefill(decode, ops)(prefill, eager)

    def of_prefill(self, decode: Any, ops: Ops) -> Callable[..., Any]:
        """``time`` at ``decode`` sequences as a function of ``(prefill, eager=None)`` alone, for the
        searches that try many prefill chunks at one concurrency: the decode terms are summed
        once, first, as ``time`` sums them left to right, so every value is the same to the bit."""
        total = self.total
        base = total.fixed + total.per_sequence * decode
        decoded = decode * self.queries
        per_prefill, launch, maximum = total.per_prefill, self.eager, ops.maximum
        allreduce = None if self.single else self.allreduce.of_tokens(ops)
        experts, miss = (None, 0.0) if self.dense else (self.experts, self.miss)  # dense: no routed experts

        def time(prefill: Any, eager: Any = None) -> Any:
            tokens = maximum(decoded + prefill, 1.0)
            if eager is None:  # 1 where the iteration carries a prefill chunk, else 0
                eager = (prefill > 0.0) * 1.0
            t = base + per_prefill * prefill + launch * eager
            if allreduce is not None:
                t = t + allreduce(tokens)
            if experts is None:
                return t
            return t + experts * (1.0 - miss**tokens)

        return time

    def communication_at(self, decode: Any, prefill: Any, ops: Ops) -> Any:
        tokens = ops.maximum(decode * self.queries + prefill, 1.0)
        return self.communication.at(decode, prefill) + self.allreduce.time(tokens, ops)


_NO_ALLREDUCE = TensorParallel(0.0, 0.0, (), True)
_PROBE_BYTES = float(2**20)


def step_model(
    model: Any,
    r: Replica,
    a: Assumptions,
    ops: Ops,
    *,
    context: Any,
    prefill_context: Any,
    queries: Any = 1.0,
) -> StepModel:
    """The coefficients of one stage's iteration (see the module's list of terms)."""
    stages, ep = r.pp, r.ep
    rate = r.peak * r.tp * a.prefill_compute_efficiency * stages
    bandwidth = r.memory_bandwidth * r.tp
    streaming = bandwidth * a.decode_bandwidth_efficiency
    kv_shards = ops.minimum(r.tp, model.kv_heads)  # KV heads replicate once tp exceeds them
    imbalance = ops.where(ep > 1.0, a.expert_routing_imbalance, 1.0)
    routed = model.experts_per_token * model.expert_parameters  # routed-expert weights per token
    attention = 4.0 * model.layers * model.attention_width / ep / rate

    # per token through the GEMMs (all expert-parallel groups); attention per position attended
    gemm = (2.0 * (model.active_parameters - routed) + 2.0 * routed * imbalance) / ep / rate
    compute = Affine(0.0, queries * (gemm + attention * context), gemm + attention * prefill_context)
    # Decode reads every running sequence's cache once; a prefill chunk writes its own entries.
    kv_token = model.kv_elements_per_token * r.kv_bpe * r.tp / kv_shards / ep / stages
    kv = Affine(0.0, kv_token * context / (bandwidth * a.kv_read_efficiency), kv_token / streaming)
    act = 2.0 * model.activation_elements_per_token * r.act_bpe / ep / streaming / stages
    activations = Affine(0.0, queries * act, act)
    comm_fixed, comm_token = _communication(model, r, a)
    communication = Affine(comm_fixed, queries * comm_token, comm_token)
    runtime = a.runtime() if r.runtime is None else r.runtime
    graphed = decode_launch(model, a, runtime)
    fixed = graphed / stages + runtime.iteration_overhead
    eager = (prefill_launch(model, a) - graphed) / stages
    # with expert parallelism the all-to-all combines the MoE layer's output: one all-reduce per layer
    share = (1.0 - (ep > 1.0) * (1.0 - 1.0 / TP_ALLREDUCES_PER_LAYER)) / stages
    single = isinstance(r.tp, (int, float)) and r.tp <= 1
    allreduce = tensor_parallel(model, r, a, runtime, share, ops) if not single else _NO_ALLREDUCE
    weights = model.shared_parameters * r.weight_bpe / streaming / stages
    experts = model.experts * model.expert_parameters * imbalance / ep * r.weight_bpe / streaming / stages
    dense = isinstance(experts, float) and experts == 0.0  # a scalar dense model: skip the expert term
    miss = 1.0 - model.experts_per_token / model.experts
    total = Affine(
        fixed + weights + comm_fixed,
        compute.per_sequence + kv.per_sequence + activations.per_sequence + communication.per_sequence,
        compute.per_prefill + kv.per_prefill + activations.per_prefill + communication.per_prefill,
    )
    return StepModel(
        compute,
        kv,
        activations,
        communication,
        fixed,
        eager,
        weights,
        experts,
        miss,
        queries,
        total,
        allreduce,
        dense,
        single,
    )


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
    eager: Any = None,
) -> IterationTime:
    """One stage's iteration over ``decode`` sequences at mean KV ``context`` (``queries`` tokens
    each) and ``prefill`` prompt tokens attending over ``prefill_context`` positions on average
    (``eager`` as ``StepModel.time``)."""
    m = step_model(model, r, a, ops, context=context, prefill_context=prefill_context, queries=queries)
    tokens = ops.maximum(decode * queries + prefill, 1.0)
    weights = m.weights + m.experts * (1.0 - m.miss**tokens)
    if eager is None:
        eager = ops.where(prefill > 0.0, 1.0, 0.0)
    return IterationTime(
        total=m.time(decode, prefill, ops, eager),
        compute=m.compute.at(decode, prefill),
        weights=weights,
        kv=m.kv.at(decode, prefill),
        activations=m.activations.at(decode, prefill),
        communication=m.communication_at(decode, prefill, ops),
        fixed=m.fixed + m.eager * eager,
    )


def _communication(model: Any, r: Replica, a: Assumptions) -> tuple[Any, Any]:
    """(fixed seconds, seconds per token) of one stage's messages other than the tensor-parallel
    all-reduces (``TensorParallel``):

    - expert parallelism's dispatch and combine per MoE layer: each device sends its share of its
      group's tokens to their ``k`` experts, ``(D−1)/D`` of them elsewhere (``D = tp·ep``); across
      ``N = ep_nodes`` scale-up domains a token crosses the fabric once per other domain holding one
      of its experts, ``(N−1)·(1 − (1 − 1/N)^k)`` times on average, and is forwarded inside the
      domain over the scale-up link (DeepSeek-AI 2024, DeepSeek-V3 report §3.2.2; DeepEP), whose
      time is left out;
    - the activations a pipeline stage hands to the next: ``pp − 1`` boundaries per pass
      (``collectives.point_to_point``) on one direction of the scale-up link.
    """
    link = r.scale_up_bandwidth / 2.0 * a.scale_up_efficiency
    width = model.hidden_size * r.act_bpe / r.ep  # bytes per token of one group's message
    expert = (r.ep > 1.0) * model.layers * 2.0
    devices, nodes, k = r.tp * r.ep, r.ep_nodes, model.experts_per_token
    across = (nodes - 1.0) * (1.0 - (1.0 - 1.0 / nodes) ** k)  # copies of a token over the fabric
    copies = (nodes > 1.0) * across + (nodes <= 1.0) * k * (devices - 1.0) / devices
    sent = width / r.tp * copies / r.ep_bandwidth
    boundary = (r.pp - 1.0) / r.pp
    fixed = expert * r.ep_latency / r.pp + boundary * point_to_point(0.0, link, a.scale_up_latency)
    per_token = expert * sent / r.pp + boundary * width / link
    return fixed, per_token
