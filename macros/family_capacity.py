"""Serving at load: one replica under continuous batching (``ContinuousBatchingModel``) and the
replicas a traffic forecast needs within latency targets (``ServingCapacityModel``), as the
Python facades compute them with every request of ``prompt`` in and ``output`` tokens out.

Latency targets are given in ms, the percentile as a fraction (0.99 for P99); an empty target is
no target. A configuration that cannot work — nothing fits, or a target no number of replicas
meets — shows ``#MLSYS! does not fit: ...`` with the reason, except in ``MLSYS_LIMIT``, which names
the binding limit either way.
"""

from __future__ import annotations

import math
from typing import Any

from mlsysim.enums import Precision
from mlsysim.errors import InvalidInputError
from mlsysim.solvers.batching import BatchingEstimate
from mlsysim.solvers.capacity import CapacityEstimate, Targets
from mlsysim.solvers.serving_load import continuous_batching, engine_limits, serving_capacity
from mlsysim.solvers.serving_setup import features, replica
from mlsysim.workloads import check_percentile, fixed, length_stats

from . import resolve
from .arguments import HW, MODEL, PRECISION, TP, UNIT
from .function import Arg, ExcelFunction, feasibility_gated

PROMPT = Arg("prompt", "number", "prompt tokens per request")
OUTPUT = Arg("output", "number", "generated tokens per request (>= 2)")
CONCURRENCY = Arg(
    "concurrency", "number", "running requests per replica; default the most that fit", optional=True
)
RATE = Arg("arrival_rate", "number", "peak traffic in requests per second")
TTFT_TARGET = Arg("ttft_ms", "number", "time-to-first-token target in ms; empty: none", optional=True)
ITL_TARGET = Arg("itl_ms", "number", "inter-token latency target in ms; empty: none", optional=True)
PERCENTILE = Arg(
    "percentile", "number", "percentile of the targets as a fraction; default 0.99 (P99)", optional=True
)

BATCHING_ARGS = (MODEL, HW, PROMPT, OUTPUT, CONCURRENCY, PRECISION, TP)
CAPACITY_ARGS = (MODEL, HW, RATE, PROMPT, OUTPUT, TTFT_TARGET, ITL_TARGET, PERCENTILE, PRECISION, TP)


def _setup(model: Any, hw: Any, prompt: float, output: float, precision: Any, tp: Any, percentile: float):
    hardware = resolve.spec("hardware", hw)
    p = Precision.parse(precision) if precision else hardware.default_precision
    spec = resolve.transformer(model, "serving at load")
    a = resolve.catalog().assumptions
    r = replica(spec, hardware, p, a, tp=1 if tp is None else tp)
    lengths = fixed(prompt, output)
    if lengths.longest - 1 > spec.max_context:
        raise InvalidInputError(
            "prompt",
            prompt,
            f"prompt + output - 1 exceeds the {spec.max_context}-token context of {spec.name}",
        )
    return spec, hardware, r, length_stats(lengths, percentile), a


@resolve.cached(maxsize=16384)
def batching(
    model: Any, hw: Any, prompt: float, output: float, concurrency: Any, precision: Any, tp: Any
) -> BatchingEstimate:
    spec, hardware, r, s, a = _setup(model, hw, prompt, output, precision, tp, 0.99)
    budget, cap = engine_limits(a, None, None)
    return continuous_batching(
        spec,
        r,
        s,
        a,
        features(),
        concurrency="max" if concurrency is None else concurrency,
        budget=budget,
        cap=cap,
        hardware_name=hardware.name,
    )


@resolve.cached(maxsize=16384)
def capacity(
    model: Any,
    hw: Any,
    arrival_rate: float,
    prompt: float,
    output: float,
    ttft_ms: Any,
    itl_ms: Any,
    percentile: Any,
    precision: Any,
    tp: Any,
) -> CapacityEstimate:
    q = check_percentile(0.99 if percentile is None else percentile)
    spec, hardware, r, s, a = _setup(model, hw, prompt, output, precision, tp, q)
    budget, cap = engine_limits(a, None, None)
    targets = Targets(
        ttft=_target("ttft_ms", ttft_ms), itl=_target("itl_ms", itl_ms), e2e=math.inf, percentile=q
    )
    return serving_capacity(
        spec,
        r,
        s,
        a,
        features(),
        arrival_rate=arrival_rate,
        targets=targets,
        budget=budget,
        cap=cap,
        hardware_name=hardware.name,
    )


def _target(argument: str, ms: Any) -> float:
    if ms is None:
        return math.inf
    if not ms > 0:
        raise InvalidInputError(argument, ms, "expected a positive time in ms (leave it empty for no target)")
    return ms / 1e3


_batching = feasibility_gated("Capacity", batching, BATCHING_ARGS, UNIT)
_capacity = feasibility_gated("Capacity", capacity, CAPACITY_ARGS, UNIT)

FUNCTIONS: tuple[ExcelFunction, ...] = (
    _batching(
        "MLSYS_CONCURRENCY",
        lambda e: e.max_concurrency,
        "number",
        "",
        "Most requests one replica runs at once under continuous batching: their paged KV caches "
        "beside the weights, within the 8192-token iteration budget.",
        label="requests",
    ),
    _batching(
        "MLSYS_THROUGHPUT_AT_LOAD",
        lambda e: e.output_tokens_per_s,
        "number",
        "1/s",
        "Output tokens per second of one replica running `concurrency` requests (default: the most "
        "that fit), prompts chunked into the iterations.",
        si_unit="1/s",
        label="tokens/s",
    ),
    _capacity(
        "MLSYS_REPLICAS",
        lambda e: e.replicas,
        "number",
        "",
        "Replicas (tp accelerators each) that serve arrival_rate requests/s within the TTFT and ITL "
        "targets at the percentile, queueing included (Erlang C).",
        label="replicas",
    ),
    _capacity(
        "MLSYS_TTFT_P",
        lambda e: e.ttft_percentile,
        "number",
        "ms",
        "Time to first token at the percentile with the replicas MLSYS_REPLICAS plans: wait for a "
        "slot, wait behind other prompts, then the prefill.",
        si_unit="s",
    ),
    _capacity(
        "MLSYS_ITL_P",
        lambda e: e.itl_percentile,
        "number",
        "ms",
        "Inter-token latency at the percentile at the planned concurrency (iterations that carry a "
        "prompt chunk are the tail).",
        si_unit="s",
    ),
    _capacity(
        "MLSYS_UTILIZATION",
        lambda e: e.utilization,
        "number",
        "",
        "Share of the planned replicas' request capacity the traffic uses.",
    ),
    _capacity(
        "MLSYS_TOKENS_PER_REPLICA",
        lambda e: e.output_tokens_per_s,
        "number",
        "1/s",
        "Output tokens per second one planned replica can serve at its planned concurrency "
        "(times MLSYS_UTILIZATION: what it serves at the forecast).",
        si_unit="1/s",
        label="tokens/s",
    ),
    _capacity(
        "MLSYS_MEETS_TARGETS",
        lambda e: e.feasible,
        "boolean",
        "",
        "TRUE when some number of replicas serves the traffic within the targets (and a request's KV "
        "cache fits); FALSE names a plan that cannot work (MLSYS_LIMIT says why).",
        gated=False,
    ),
    _capacity(
        "MLSYS_LIMIT",
        lambda e: e.binding,
        "text",
        "",
        "What limits the plan: KV memory, token budget, ITL/TTFT/end-to-end target or queueing; "
        "for a plan that cannot work, the target no number of replicas meets.",
        gated=False,
    ),
)
