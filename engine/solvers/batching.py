"""Continuous (in-flight) batching of one replica in steady state.

``n`` requests decode together; every engine iteration (``decode_step``) advances each by one token
and carries a chunk of waiting prompts within a token budget (Yu et al. 2022, Orca, §4.2; Agrawal
et al. 2024, Sarathi-Serve, §4). In steady state prompts enter as fast as requests finish, so an
iteration carries on average ``p̄ = n·E[P]/E[O−1]`` prefill tokens (Little's law), and:

- mean inter-token latency ``ITL = t(n, p̄)``; a share ``f = p̄/(B − n)`` of iterations carries a
  full chunk of ``B − n`` prompt tokens (budget ``B``), the rest only decodes, so ITL percentiles
  are those two iteration times (Sarathi-Serve, §4.3: the budget bounds the tail);
- a prompt of ``P`` tokens is prefilled over ``max(1, P/(B − n))`` iterations, after waiting for the
  prefill share of earlier prompts: an M/G/1 queue of utilisation ``f`` with service ∝ ``P``
  (Pollaczek–Khinchine, here through ``queueing.wait_quantile`` with one server);
- requests finish at ``n / (E[O−1]·ITL)`` per second; output tokens ``E[O]`` and input tokens
  ``E[P]`` per request;
- the KV cache is paged (Kwon et al. 2023): a running request holds its time-averaged context plus
  ``kv_block_waste`` of a block of ``kv_block_tokens``; the chunked prefill's workspace is one
  layer's intermediates for the ``B`` tokens of an iteration.

Speculative decoding (``serving_features.speculation``) turns an iteration into a cycle of ``k``
draft steps and one verification of ``k + 1`` tokens per sequence that yields ``E`` tokens;
prefix caching removes the cached share of each prompt from the prefill. Pipeline parallelism runs
``pp`` micro-batches of ``n/pp`` sequences through ``pp`` stages, one token per sequence per cycle.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from ..assumptions import Assumptions
from .decode_step import Replica, StepModel, step_model
from .ops import Ops
from .queueing import single_mean_wait, single_wait_quantile

# Binding limits, by code (``LIMITS[code]`` in words); the capacity model adds its own.
NONE, KV_MEMORY, TOKEN_BUDGET, MAX_CONCURRENCY, REQUESTED = 0, 1, 2, 3, 4
_RATE_STEPS = 30  # bisection halvings of [0, top]: the concurrency to 1e-9 of the top
LIMITS = ("", "KV memory", "token budget", "max concurrency", "requested concurrency")


class Features(NamedTuple):
    """Serving features as plain numbers (``serving_features`` builds and checks them)."""

    prefix_hit: Any = 0.0  # cached share of each prompt
    draft: Any = None  # draft model (spec or rows); None: drafts cost nothing (n-gram, lookahead)
    draft_tokens: Any = 0.0  # k tokens drafted per cycle (0: no speculation)
    acceptance: Any = 0.0  # probability a drafted token is accepted


class Limits(NamedTuple):
    kv_memory: Any  # largest concurrency whose KV cache fits
    token_budget: Any  # largest concurrency whose prefill keeps up within the budget
    maximum: Any  # the smaller of those and the engine's cap
    code: Any  # which of them binds (KV_MEMORY, TOKEN_BUDGET, MAX_CONCURRENCY)
    weights_memory: Any  # per device
    workspace_memory: Any  # per device
    kv_per_sequence: Any  # bytes of KV cache one running request holds, whole replica


class Load(NamedTuple):
    """One replica at running concurrency ``n``."""

    concurrency: Any
    itl: Any  # mean
    itl_decode: Any  # per token, cycles without a prefill chunk
    itl_full: Any  # per token, cycles with a full chunk
    prefill_share: Any  # f
    prefill_load: Any  # prompt tokens arriving per iteration over those it can take (>= 1: overloaded)
    chunk: Any  # prompt tokens one iteration can take
    tokens_per_cycle: Any  # E: tokens each sequence gains per cycle
    requests_per_s: Any
    prefill_service: Any  # mean prefill time of a prompt (s), without waiting


class BatchingEstimate(NamedTuple):
    """Times in s, sizes in B (per device unless named), rates per replica unless ``per_accelerator``."""

    concurrency: float
    max_concurrency: float
    ttft: float
    ttft_p50: float
    ttft_p90: float
    ttft_p99: float
    itl: float
    itl_p50: float
    itl_p90: float
    itl_p99: float
    e2e_latency: float
    e2e_p50: float
    e2e_p90: float
    e2e_p99: float
    requests_per_s: float
    output_tokens_per_s: float
    input_tokens_per_s: float
    total_tokens_per_s: float
    output_tokens_per_s_per_accelerator: float
    total_tokens_per_s_per_accelerator: float
    accelerators: float
    kv_blocks: float
    kv_cache_memory: float
    weights_memory: float
    memory_per_device: float
    prefill_share: float
    feasible: bool
    constraint: str


def limits(
    model: Any, r: Replica, s: Any, a: Assumptions, ops: Ops, f: Features, *, budget: Any, cap: Any
) -> Limits:
    """How many requests one replica can run: KV memory, the token budget and the engine's cap."""
    kv_shards = ops.minimum(r.tp, model.kv_heads)
    weights = _weights_per_device(model, r, f, ops)
    workspace = model.activation_elements_per_token / model.layers * budget * r.act_bpe / r.tp
    usable = r.capacity * (1.0 - a.memory_reserved_fraction)
    per_sequence = _kv_tokens(s, a) * (_kv_bytes_per_token(model, r) + _draft_kv_bytes(f, r, ops))
    room = (usable - weights - workspace) * kv_shards * r.pp * r.ep
    kv_memory = ops.maximum(ops.floor(room / per_sequence), 0.0)
    tokens = _queries(f) + tokens_per_cycle(f) * _prefill_tokens(s, f) / s.decode_steps
    token_budget = -ops.floor(-budget / tokens) - 1.0  # largest n that leaves the prefill a chunk
    maximum = ops.minimum(ops.minimum(kv_memory, token_budget), cap)
    code = ops.where(
        maximum >= kv_memory, KV_MEMORY, ops.where(maximum >= token_budget, TOKEN_BUDGET, MAX_CONCURRENCY)
    )
    return Limits(kv_memory, token_budget, maximum, code, weights, workspace, per_sequence)


class Cycle(NamedTuple):
    """One replica's cycle as a function of running requests and prefill tokens: ``pp``
    micro-batches through the stages, with speculation ``k`` draft steps before the verification
    (``decode_step.StepModel`` of the model and of the draft)."""

    main: StepModel
    draft: StepModel | None
    pp: Any
    draft_tokens: Any
    has_draft: Any

    def time(self, n: Any, prefill: Any, ops: Ops, eager: Any = None) -> Any:
        """Seconds of one cycle; ``eager`` as ``decode_step.StepModel.time`` (the share of such
        cycles carrying a prefill chunk, launched eagerly; by default those with ``prefill > 0``)."""
        return self.of_prefill(n, ops)(prefill, eager)

    def of_prefill(self, n: Any, ops: Ops) -> Callable[..., Any]:
        """``time`` at ``n`` running requests as a function of ``(prefill, eager=None)`` alone
        (``decode_step.StepModel.of_prefill``): the same values, the terms of ``n`` taken once."""
        pp = self.pp
        micro = ops.maximum(n / pp, 1.0)
        main = self.main.of_prefill(micro, ops)
        if self.draft is None and isinstance(pp, float) and pp == 1.0:
            return main  # one stage: x / 1 and 1 · x are x, to the bit
        if self.draft is None:

            def time(prefill: Any, eager: Any = None) -> Any:
                return pp * main(prefill / pp, eager)

            return time
        # rows of a sweep without a draft model (``has_draft`` false) have no draft cost
        draft = self.draft.of_prefill(micro, ops)
        k, has_draft, where = self.draft_tokens, self.has_draft, ops.where
        steps = ops.maximum(k, 1.0)

        def drafted(prefill: Any, eager: Any = None) -> Any:
            per_stage = prefill / pp
            t = main(per_stage, eager)
            return pp * (t + where(has_draft, k * draft(per_stage / steps, eager), 0.0))

        return drafted


def cycle_model(model: Any, r: Replica, s: Any, a: Assumptions, ops: Ops, f: Features) -> Cycle:
    """The cycle of ``model`` on replica ``r`` for the lengths ``s`` and features ``f``."""
    attended = s.prompt_square / s.prompt * (1.0 + f.prefix_hit) / 2.0
    context = s.decode_context
    main = step_model(model, r, a, ops, context=context, prefill_context=attended, queries=_queries(f))
    draft = None
    if f.draft is not None:
        draft = step_model(f.draft, r, a, ops, context=context, prefill_context=attended)
    has_draft = None if f.draft is None else f.draft.parameters > 0.0
    return Cycle(main, draft, r.pp, f.draft_tokens, has_draft)


def load(c: Cycle, s: Any, ops: Ops, f: Features, *, n: Any, budget: Any, cycle: Any = None) -> Load:
    """Steady state at ``n`` running requests (``n`` >= 1); ``cycle`` is ``c.of_prefill(n, ops)``
    when the caller has it."""
    per_cycle = tokens_per_cycle(f)
    pbar = n * per_cycle * _prefill_tokens(s, f) / s.decode_steps  # prefill tokens per cycle
    chunk = ops.maximum(budget - n * _queries(f), 1.0)
    share = ops.minimum(pbar / chunk, 1.0)  # cycles that carry a chunk (launched eagerly)
    cycle = c.of_prefill(n, ops) if cycle is None else cycle
    mean_cycle = cycle(pbar, share)
    requests = n * per_cycle / (s.decode_steps * mean_cycle)
    return Load(
        concurrency=n,
        itl=mean_cycle / per_cycle,
        itl_decode=cycle(0.0) / per_cycle,
        itl_full=cycle(chunk) / per_cycle,
        prefill_share=share,
        prefill_load=pbar / chunk,
        chunk=chunk,
        tokens_per_cycle=per_cycle,
        requests_per_s=requests,
        prefill_service=share / ops.maximum(requests, 1e-300),
    )


def concurrency_at_rate(c: Cycle, s: Any, ops: Ops, f: Features, *, rate: Any, top: Any, budget: Any) -> Any:
    """The running concurrency at which one replica finishes ``rate`` requests/s (Little's law on
    the decode phase: ``n = rate·E[O−1]·ITL(n)``), by bisection; ``top`` (its maximum) when the
    replica cannot keep up. A time average, so not a whole number."""
    per_cycle = tokens_per_cycle(f)
    prompt = _prefill_tokens(s, f)

    def served(n: Any) -> Any:
        pbar = n * per_cycle * prompt / s.decode_steps
        share = ops.minimum(pbar / ops.maximum(budget - n * _queries(f), 1.0), 1.0)
        mean = c.time(n, pbar, ops, share)
        return n * per_cycle / (s.decode_steps * mean)

    lo, hi = 0.0, top
    for _ in range(_RATE_STEPS):
        mid = (lo + hi) / 2.0
        short = served(mid) < rate
        lo, hi = ops.where(short, mid, lo), ops.where(short, hi, mid)
    return ops.where(served(top) <= rate, top, hi)


def prefill_time(c: Cycle, state: Load, s: Any, f: Features, prompt: Any, ops: Ops, cycle: Any = None) -> Any:
    """Prefill of one ``prompt``-token request at the replica's load, without waiting: ``P/chunk``
    full iterations, or one iteration carrying the whole (uncached) prompt (``cycle`` as ``load``'s)."""
    tokens = prompt * (1.0 - f.prefix_hit)
    carried = ops.minimum(tokens, state.chunk)
    one = c.time(state.concurrency, carried, ops) if cycle is None else cycle(carried)
    return ops.maximum(tokens / state.chunk, 1.0) * one


def prefill_wait(state: Load, s: Any, q: Any, ops: Ops) -> Any:
    """The q-quantile of the wait behind earlier prompts' prefill (M/G/1, service ∝ prompt)."""
    return single_wait_quantile(state.requests_per_s, state.prefill_service, _prompt_scv(s), q, ops)


def prefill_wait_mean(state: Load, s: Any, ops: Ops) -> Any:
    return single_mean_wait(state.requests_per_s, state.prefill_service, _prompt_scv(s), ops)


def itl_quantile(state: Load, q: Any, ops: Ops) -> Any:
    """A two-point distribution: decode-only cycles, and a share ``f`` with a full prefill chunk."""
    return ops.where(q > 1.0 - state.prefill_share, state.itl_full, state.itl_decode)


def batching_core(
    model: Any,
    r: Replica,
    s: Any,
    a: Assumptions,
    ops: Ops,
    f: Features,
    *,
    n: Any,
    budget: Any,
    lim: Limits,
) -> BatchingEstimate:
    """Every output of one replica at ``n`` running requests; ``constraint`` is left empty."""
    c = cycle_model(model, r, s, a, ops, f)
    cycle = c.of_prefill(n, ops)
    state = load(c, s, ops, f, n=n, budget=budget, cycle=cycle)

    def ttft_at(q: Any, prompt: Any) -> Any:
        return prefill_wait(state, s, q, ops) + prefill_time(c, state, s, f, prompt, ops, cycle)

    ttft = prefill_wait_mean(state, s, ops) + prefill_time(c, state, s, f, s.prompt, ops, cycle)
    p50, p90, p99 = ttft_at(0.5, s.prompt_p50), ttft_at(0.9, s.prompt_p90), ttft_at(0.99, s.prompt_p99)
    devices = r.devices
    output = state.requests_per_s * s.output
    inputs = state.requests_per_s * s.prompt
    kv_total = n * lim.kv_per_sequence
    kv_shards = ops.minimum(r.tp, model.kv_heads)
    per_device = lim.weights_memory + lim.workspace_memory + kv_total / (kv_shards * r.pp * r.ep)
    return BatchingEstimate(
        concurrency=n,
        max_concurrency=lim.maximum,
        ttft=ttft,
        ttft_p50=p50,
        ttft_p90=p90,
        ttft_p99=p99,
        itl=state.itl,
        itl_p50=itl_quantile(state, 0.5, ops),
        itl_p90=itl_quantile(state, 0.9, ops),
        itl_p99=itl_quantile(state, 0.99, ops),
        e2e_latency=ttft + s.decode_steps * state.itl,
        e2e_p50=p50 + (s.output_p50 - 1.0) * state.itl,
        e2e_p90=p90 + (s.output_p90 - 1.0) * state.itl,
        e2e_p99=p99 + (s.output_p99 - 1.0) * state.itl,
        requests_per_s=state.requests_per_s,
        output_tokens_per_s=output,
        input_tokens_per_s=inputs,
        total_tokens_per_s=output + inputs,
        output_tokens_per_s_per_accelerator=output / devices,
        total_tokens_per_s_per_accelerator=(output + inputs) / devices,
        accelerators=devices,
        kv_blocks=n * _kv_tokens(s, a) / a.kv_block_tokens,
        kv_cache_memory=kv_total,
        weights_memory=lim.weights_memory,
        memory_per_device=per_device,
        prefill_share=state.prefill_share,
        feasible=(lim.kv_memory >= 1.0) & (n <= lim.maximum),
        constraint="",
    )


def _queries(f: Features) -> Any:
    return f.draft_tokens + 1.0


def tokens_per_cycle(f: Features) -> Any:
    """Tokens a sequence gains per verification of ``k`` drafted tokens, each accepted with
    probability ``α``: ``(1 − α^(k+1))/(1 − α)`` (Leviathan et al. 2023, Eq. 1), ``k + 1`` at
    ``α = 1``; 1 without drafts (``k = 0``)."""
    alpha, k = f.acceptance, f.draft_tokens
    certain = alpha >= 1.0
    geometric = (1.0 - alpha ** (k + 1.0)) / (1.0 - alpha + certain * 1.0)
    return certain * (k + 1.0) + (1.0 - certain * 1.0) * geometric


def _prefill_tokens(s: Any, f: Features) -> Any:
    return s.prompt * (1.0 - f.prefix_hit)


def _prompt_scv(s: Any) -> Any:
    return s.prompt_var / (s.prompt * s.prompt)


def _kv_tokens(s: Any, a: Assumptions) -> Any:
    """Tokens of KV cache a running request holds: its time-averaged context and the unfilled share
    of its last block."""
    return s.decode_context + a.kv_block_waste * a.kv_block_tokens


def _kv_bytes_per_token(model: Any, r: Replica) -> Any:
    return model.kv_elements_per_token * r.kv_bpe


def _draft_kv_bytes(f: Features, r: Replica, ops: Ops) -> Any:
    if f.draft is None:
        return 0.0
    return ops.where(f.draft.parameters > 0.0, f.draft.kv_elements_per_token * r.kv_bpe, 0.0)


def _weights_per_device(model: Any, r: Replica, f: Features, ops: Ops) -> Any:
    """Shared weights split over ``tp``, routed experts over ``tp·ep``, layers over ``pp``."""
    experts = model.experts * model.expert_parameters
    weights = (model.parameters - experts + experts / r.ep) * r.weight_bpe / (r.tp * r.pp)
    if f.draft is not None:
        draft = f.draft.parameters * r.weight_bpe / (r.tp * r.pp)
        weights = weights + ops.where(f.draft.parameters > 0.0, draft, 0.0)
    return weights


__all__ = [
    "KV_MEMORY",
    "LIMITS",
    "MAX_CONCURRENCY",
    "NONE",
    "REQUESTED",
    "TOKEN_BUDGET",
    "BatchingEstimate",
    "Cycle",
    "Features",
    "Limits",
    "Load",
    "batching_core",
    "concurrency_at_rate",
    "cycle_model",
    "itl_quantile",
    "limits",
    "load",
    "prefill_time",
    "prefill_wait",
    "prefill_wait_mean",
    "tokens_per_cycle",
]
