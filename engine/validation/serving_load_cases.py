"""The serving-at-load metrics of the validation cases (the serving-load block of ``cases.toml``).

Each metric names the unit its measurements are published in, the inputs a case must give and the
inputs it may add; ``ESTIMATES`` computes it from the pure solvers every surface uses:

    generation_tokens_per_s_per_gpu  a static batch: ``batch`` prompts prefilled together, then
                                     ``output_len − 1`` decode iterations (``serving``)
    requests_per_s                   one replica under continuous batching at its most running
                                     requests (``serving_load.continuous_batching``)
    tpot                             mean time per output token at a Poisson rate (Little's law)
    fleet_tokens_per_s               input + output tokens/s of data-parallel replicas, with a
                                     prefix-cache hit rate
    spec_speedup                     output tokens/s with speculative decoding over without
    slo_requests_per_s               one replica at the largest concurrency meeting TTFT and ITL
                                     targets (``capacity.capacity_core``)
    pool_tokens_per_s_per_node       one pool of a prefill/decode-disaggregated deployment
                                     (``decode_step.iteration_time``)

Every case names the serving ``runtime`` it was measured on and may give ``scale_up_topology``
where the machine differs from the catalog entry.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from ..assumptions import Assumptions
from ..enums import Precision
from ..errors import CatalogError
from ..solvers.batching import BatchingEstimate, Features, concurrency_at_rate, cycle_model, load
from ..solvers.capacity import Targets, capacity_core
from ..solvers.decode_step import Replica, iteration_time
from ..solvers.ops import SCALAR
from ..solvers.serving import ServingEstimate, serving
from ..solvers.serving_load import continuous_batching
from ..solvers.serving_setup import features, replica
from ..workloads import LengthStats, fixed, length_stats

if TYPE_CHECKING:
    from ..models.types import TransformerSpec
    from .cases import Case
    from .estimate import Estimator

_OPTIONAL = frozenset({"scale_up_topology"})
_STATIC = frozenset(
    {"model", "hardware", "precision", "kv_precision", "seq_len", "output_len", "tp", "batch", "runtime"}
)
# One replica under continuous batching with chunked prefill, fixed lengths; `max_concurrency` is
# the engine's cap on running requests (vLLM's max_num_seqs).
_LOAD = frozenset(
    {"model", "hardware", "precision", "tp", "prompt_len", "output_len", "max_concurrency", "runtime"}
)
# One pool of a prefill/decode-disaggregated deployment: `phase` "prefill" or "decode",
# `per_device` prompt tokens per iteration or running sequences per device, `context` the prompt
# length or the KV length.
_POOL = frozenset(
    {"model", "hardware", "precision", "tp", "ep", "fabric", "runtime", "phase", "context", "per_device"}
)
PHASES = ("prefill", "decode")

# metric -> (unit of the measured value, inputs it takes, inputs it may add)
METRICS: Mapping[str, tuple[str, frozenset[str], frozenset[str]]] = {
    "generation_tokens_per_s_per_gpu": ("tokens/s", _STATIC, _OPTIONAL),
    "requests_per_s": ("requests/s", _LOAD, _OPTIONAL),
    "tpot": ("ms", _LOAD | {"arrival_rate"}, _OPTIONAL),
    "fleet_tokens_per_s": ("tokens/s", _LOAD | {"replicas", "prefix_cache_hit"}, _OPTIONAL),
    "spec_speedup": ("x", _LOAD | {"concurrency", "draft_tokens", "acceptance_rate"}, _OPTIONAL),
    "slo_requests_per_s": ("requests/s", _LOAD | {"ttft_target", "itl_target", "percentile"}, _OPTIONAL),
    "pool_tokens_per_s_per_node": ("tokens/s", _POOL, frozenset()),
}


def _hardware(e: Estimator, case: Case) -> Any:
    i = case.inputs
    hardware = e.catalog.get("hardware", i["hardware"]).spec
    if "scale_up_topology" in i:
        hardware = dataclasses.replace(hardware, scale_up_topology=i["scale_up_topology"])
    return hardware


def static_batch(e: Estimator, case: Case, a: Assumptions) -> ServingEstimate:
    """``batch`` prompts prefilled together, then ``output_len - 1`` decode iterations."""
    i = case.inputs
    return serving(
        e.transformer(i["model"]),
        _hardware(e, case),
        i["seq_len"],
        i["batch"],
        Precision.parse(i["precision"]),
        a,
        output_len=i["output_len"],
        tp=i["tp"],
        kv_precision=Precision.parse(i["kv_precision"], "kv_precision"),
        runtime=i["runtime"],
    )


def at_load(
    e: Estimator, case: Case, a: Assumptions, f: Features | None = None, concurrency: object = "max"
) -> tuple[TransformerSpec, Replica, LengthStats, BatchingEstimate]:
    """One replica of the case under continuous batching (``serving_load``)."""
    i = case.inputs
    model = e.transformer(i["model"])
    device = _hardware(e, case)
    r = replica(model, device, Precision.parse(i["precision"]), a, tp=i["tp"], runtime=i["runtime"])
    s = length_stats(fixed(i["prompt_len"], i["output_len"]))
    estimate = continuous_batching(
        model,
        r,
        s,
        a,
        f or features(),
        concurrency=concurrency,
        budget=a.prefill_token_budget,
        cap=float(i["max_concurrency"]),
        hardware_name=device.name,
    )
    return model, r, s, estimate


def _generation_tokens_per_s_per_gpu(e: Estimator, case: Case, a: Assumptions) -> float:
    """Generated tokens of the whole batch over its prefill and decode time, per GPU."""
    i = case.inputs
    return i["batch"] * i["output_len"] / static_batch(e, case, a).e2e_latency / i["tp"]


def _tpot(e: Estimator, case: Case, a: Assumptions) -> float:
    """Mean time per output token at the case's Poisson arrival rate on one replica: the running
    concurrency at which the replica finishes that rate (Little's law)."""
    model, r, s, at_max = at_load(e, case, a)
    f = features()
    c = cycle_model(model, r, s, a, SCALAR, f)
    rate, budget = case.inputs["arrival_rate"], a.prefill_token_budget
    n = concurrency_at_rate(c, s, SCALAR, f, rate=rate, top=at_max.concurrency, budget=budget)
    return load(c, s, SCALAR, f, n=n, budget=budget).itl * 1e3


def _fleet_tokens_per_s(e: Estimator, case: Case, a: Assumptions) -> float:
    """Input plus output tokens/s of ``replicas`` data-parallel replicas at their maximum
    concurrency, with the case's prefix-cache hit rate."""
    hit = features(prefix_hit=case.inputs["prefix_cache_hit"])
    return at_load(e, case, a, hit)[3].total_tokens_per_s * case.inputs["replicas"]


def _spec_speedup(e: Estimator, case: Case, a: Assumptions) -> float:
    """Output tokens/s with speculative decoding over without, at the case's concurrency."""
    i = case.inputs
    spec = features(draft_tokens=i["draft_tokens"], acceptance=i["acceptance_rate"])
    faster = at_load(e, case, a, spec, i["concurrency"])[3].output_tokens_per_s
    return faster / at_load(e, case, a, None, i["concurrency"])[3].output_tokens_per_s


def _slo_requests_per_s(e: Estimator, case: Case, a: Assumptions) -> float:
    """Requests/s one replica finishes at the largest concurrency whose TTFT and ITL quantiles meet
    the case's targets (``capacity``; no waiting for a slot)."""
    i = case.inputs
    model, r, _, _ = at_load(e, case, a)
    s = length_stats(fixed(i["prompt_len"], i["output_len"]), i["percentile"])
    targets = Targets(ttft=i["ttft_target"], itl=i["itl_target"], e2e=math.inf, percentile=i["percentile"])
    estimate = capacity_core(
        model,
        r,
        s,
        a,
        SCALAR,
        features(),
        arrival_rate=1e-9,
        targets=targets,
        budget=a.prefill_token_budget,
        cap=float(i["max_concurrency"]),
    )
    return estimate.requests_per_s


def _pool_tokens_per_s_per_node(e: Estimator, case: Case, a: Assumptions) -> float:
    """Tokens/s per node of one pool of a prefill/decode-disaggregated deployment, each of its
    ``tp·ep`` devices carrying ``per_device`` prompt tokens per prefill iteration (``phase``
    "prefill"; prompts of ``context`` tokens) or running ``per_device`` sequences at a
    ``context``-token KV cache (``phase`` "decode"): one iteration of ``decode_step``, a node being
    the accelerator's scale-up domain."""
    i = case.inputs
    if i["phase"] not in PHASES:
        raise CatalogError(case.id, f"phase must be one of {', '.join(PHASES)}, got {i['phase']!r}")
    model = e.transformer(i["model"])
    device = _hardware(e, case)
    fabric = e.catalog.get("fabric", i["fabric"]).spec
    precision = Precision.parse(i["precision"])
    r = replica(model, device, precision, a, tp=i["tp"], ep=i["ep"], fabric=fabric, runtime=i["runtime"])
    tokens = float(i["per_device"] * r.devices)
    if i["phase"] == "prefill":
        attended = (i["context"] + 1.0) / 2.0  # causal: the mean position a prompt token attends over
        step = iteration_time(
            model, r, a, SCALAR, decode=0.0, prefill=tokens, context=0.0, prefill_context=attended
        )
    else:
        context = float(i["context"])
        step = iteration_time(
            model, r, a, SCALAR, decode=tokens, prefill=0.0, context=context, prefill_context=0.0
        )
    return tokens / step.total * (device.scale_up_domain or 1) / r.devices


ESTIMATES: dict[str, Callable[[Estimator, Case, Assumptions], float]] = {
    "generation_tokens_per_s_per_gpu": _generation_tokens_per_s_per_gpu,
    "requests_per_s": lambda e, c, a: at_load(e, c, a)[3].requests_per_s,
    "tpot": _tpot,
    "fleet_tokens_per_s": _fleet_tokens_per_s,
    "spec_speedup": _spec_speedup,
    "slo_requests_per_s": _slo_requests_per_s,
    "pool_tokens_per_s_per_node": _pool_tokens_per_s_per_node,
}
